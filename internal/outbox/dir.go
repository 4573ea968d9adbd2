package outbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Dir is a domain.Mailer that writes one .eml file per message into a directory.
type Dir struct {
	dir  string
	from string
	now  func() time.Time
}

var _ domain.Mailer = (*Dir)(nil)

// DirOptions configures a Dir. The zero value is usable.
type DirOptions struct {
	From string           // sender, "Name <address>"; DefaultFrom if empty
	Now  func() time.Time // clock for the Date header and file names; time.Now if nil
}

// NewDir creates dir if needed and returns a Mailer writing into it.
func NewDir(dir string, opts DirOptions) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	d := &Dir{dir: dir, from: opts.From, now: opts.Now}
	if d.from == "" {
		d.from = DefaultFrom
	}
	if d.now == nil {
		d.now = time.Now
	}
	if _, err := render(domain.Message{To: "check@example.org"}, d.from, d.now()); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	return d, nil
}

// Send writes m as <UTC time>-<random>.eml. The file appears whole: it is
// written under a dot-name and renamed, so readers skip names starting with ".".
func (d *Dir) Send(ctx context.Context, m domain.Message) error {
	now := d.now()
	env, err := render(m, d.from, now)
	if err != nil {
		return fmt.Errorf("send mail to %s: %w", m.To, err)
	}
	name := now.UTC().Format("20060102T150405.000000000Z") + "-" + randomID()[:8] + ".eml"
	tmp, err := os.CreateTemp(d.dir, ".sending-*")
	if err != nil {
		return fmt.Errorf("send mail to %s: %w", m.To, err)
	}
	_, err = tmp.Write(env.data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(d.dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("send mail to %s: write %s: %w", m.To, filepath.Join(d.dir, name), err)
	}
	return nil
}
