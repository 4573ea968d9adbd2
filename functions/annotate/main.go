// Command annotate is the Lambda behind the Plan, AnnotateShard and Merge
// steps (GAS_TASK names which). AnnotateShard fetches only its shard's
// chromosomes of the reference bundle into /tmp, through a cache bounded by
// GAS_REFDATA_CACHE_BYTES that warm invocations reuse; nothing is fetched at
// cold start.
package main

import (
	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/functions/internal/wire"
	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refcache"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/tasks"
)

func main() {
	wire.ServeTask("annotate", func(st *wire.Stores) (domain.Mailer, tasks.Annotator, error) {
		bucket, prefix := st.Env.String(awsenv.RefdataBucket), st.Env.String(awsenv.RefdataPrefix)
		limit := st.Env.Int(awsenv.RefdataCacheBytes)
		if err := st.Env.Err(); err != nil {
			return nil, nil, err
		}
		return nil, refcache.New(s3blob.New(st.S3, bucket), prefix, "/tmp/refdata", limit, annotate.Options{}), nil
	})
}
