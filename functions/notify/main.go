// Command notify is the Lambda binary for the steps that send email
// (NotifyCompleted, NotifyFailed, NotifyRestored). infra/ deploys it once per
// step; GAS_TASK picks the step.
package main

import (
	"github.com/gasproject/gas/functions/internal/wire"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
)

func main() {
	wire.ServeTask("notify", func(st *wire.Stores) (domain.Mailer, tasks.Annotator, error) {
		mail, err := st.Mailer()
		return mail, nil, err
	})
}
