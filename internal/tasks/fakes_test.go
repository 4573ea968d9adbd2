package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Hand-written in-memory fakes of the domain ports, with just enough
// semantics (conditional updates, storage classes, restores) to test the handlers.

type memJobs struct {
	mu   sync.Mutex
	jobs map[string]domain.Job
}

func (m *memJobs) Create(_ context.Context, j domain.Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.jobs[j.ID]; ok {
		return domain.ErrConflict
	}
	m.jobs[j.ID] = j
	return nil
}

func (m *memJobs) Get(_ context.Context, id string) (domain.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return domain.Job{}, fmt.Errorf("job %s: %w", id, domain.ErrNotFound)
	}
	return j, nil
}

func (m *memJobs) Update(_ context.Context, id string, fn func(*domain.Job) error) (domain.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return domain.Job{}, fmt.Errorf("job %s: %w", id, domain.ErrNotFound)
	}
	j.Summary = slices.Clone(j.Summary)
	if err := fn(&j); err != nil {
		return domain.Job{}, err
	}
	m.jobs[id] = j
	return j, nil
}

func (m *memJobs) ListByUser(ctx context.Context, userID string, p domain.Page) ([]domain.Job, string, error) {
	return m.List(ctx, domain.JobFilter{UserID: userID}, p)
}

// List returns one job per page, to exercise the handlers' pagination.
func (m *memJobs) List(_ context.Context, f domain.JobFilter, p domain.Page) ([]domain.Job, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []domain.Job
	for _, j := range m.jobs {
		if (f.UserID == "" || j.UserID == f.UserID) && (f.Status == "" || j.Status == f.Status) &&
			(f.ResultState == "" || j.ResultState == f.ResultState) {
			all = append(all, j)
		}
	}
	slices.SortFunc(all, func(a, b domain.Job) int { return strings.Compare(a.ID, b.ID) })
	start := 0
	if p.Cursor != "" {
		fmt.Sscan(p.Cursor, &start)
	}
	if start >= len(all) {
		return nil, "", nil
	}
	next := ""
	if start+1 < len(all) {
		next = fmt.Sprint(start + 1)
	}
	return all[start : start+1], next, nil
}

type memProfiles struct {
	mu    sync.Mutex
	users map[string]domain.Profile
}

func (m *memProfiles) Create(_ context.Context, p domain.Profile) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[p.ID] = p
	return nil
}

func (m *memProfiles) Get(_ context.Context, id string) (domain.Profile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.users[id]
	if !ok {
		return domain.Profile{}, fmt.Errorf("profile %s: %w", id, domain.ErrNotFound)
	}
	return p, nil
}

func (m *memProfiles) GetByEmail(context.Context, string) (domain.Profile, error) {
	return domain.Profile{}, domain.ErrNotFound
}

func (m *memProfiles) Update(_ context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.users[id]
	if !ok {
		return domain.Profile{}, domain.ErrNotFound
	}
	if err := fn(&p); err != nil {
		return domain.Profile{}, err
	}
	m.users[id] = p
	return p, nil
}

type memObject struct {
	data          []byte
	class         domain.StorageClass
	restoring     bool
	restoredUntil time.Time
}

type memBlobs struct {
	mu                   sync.Mutex
	objs                 map[string]memObject
	now                  func() time.Time
	expeditedUnavailable bool
	restores             []domain.RestoreTier // every accepted Restore call
	copyClassOverride    domain.StorageClass  // when set, Copy stores this class (a broken store)
}

func (m *memBlobs) Put(_ context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = memObject{data: b, class: domain.ClassStandard}
	return nil
}

func (m *memBlobs) info(key string, o memObject) domain.ObjectInfo {
	return domain.ObjectInfo{Key: key, Size: int64(len(o.data)), StorageClass: o.class,
		RestoreInProgress: o.restoring, RestoredUntil: o.restoredUntil}
}

func (m *memBlobs) Get(_ context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return nil, fmt.Errorf("%s: %w", key, domain.ErrNotFound)
	}
	if !m.info(key, o).Readable(m.now()) {
		return nil, fmt.Errorf("%s: %w", key, domain.ErrArchived)
	}
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

func (m *memBlobs) Head(_ context.Context, key string) (domain.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return domain.ObjectInfo{}, fmt.Errorf("%s: %w", key, domain.ErrNotFound)
	}
	return m.info(key, o), nil
}

func (m *memBlobs) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

func (m *memBlobs) Copy(_ context.Context, src, dst string, class domain.StorageClass) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[src]
	if !ok {
		return fmt.Errorf("%s: %w", src, domain.ErrNotFound)
	}
	if !m.info(src, o).Readable(m.now()) {
		return fmt.Errorf("%s: %w", src, domain.ErrArchived)
	}
	if m.copyClassOverride != "" {
		class = m.copyClassOverride
	}
	m.objs[dst] = memObject{data: slices.Clone(o.data), class: class}
	return nil
}

func (m *memBlobs) Restore(_ context.Context, key string, tier domain.RestoreTier, days int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return fmt.Errorf("%s: %w", key, domain.ErrNotFound)
	}
	if o.class != domain.ClassGlacier {
		return fmt.Errorf("%s is %s: %w", key, o.class, domain.ErrInvalid)
	}
	if tier == domain.TierExpedited && m.expeditedUnavailable {
		return domain.ErrExpeditedUnavailable
	}
	if o.restoring {
		return nil
	}
	m.restores = append(m.restores, tier)
	o.restoring = true
	m.objs[key] = o
	return nil
}

// finishRestore makes an in-flight restore complete, as the delay elapsing would.
func (m *memBlobs) finishRestore(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.objs[key]
	o.restoring = false
	o.restoredUntil = m.now().Add(24 * time.Hour)
	m.objs[key] = o
}

func (m *memBlobs) keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ks []string
	for k := range m.objs {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type memMailer struct {
	mu   sync.Mutex
	sent []domain.Message
}

func (m *memMailer) Send(_ context.Context, msg domain.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

// fakeAnnotator upper-cases its input as "annotation", or fails as told.
type fakeAnnotator struct {
	calls int
	err   error
	panic bool
}

func (f *fakeAnnotator) Annotate(_ context.Context, in io.Reader, out io.Writer) (Report, error) {
	f.calls++
	if f.panic {
		panic("engine bug")
	}
	b, err := io.ReadAll(in)
	if err != nil {
		return Report{}, err
	}
	if _, err := out.Write(bytes.ToUpper(b)); err != nil {
		return Report{}, err
	}
	if f.err != nil {
		return Report{}, f.err
	}
	return Report{Summary: json.RawMessage(`{"records":2}`), Log: []byte("2 records\n")}, nil
}

// fixture is a Tasks over fresh fakes with a free user "u1" (u1@example.org), a premium
// user "p1", and a PENDING job "j1" of u1 whose input is stored.
type fixture struct {
	t        *Tasks
	jobs     *memJobs
	profiles *memProfiles
	blobs    *memBlobs
	mail     *memMailer
	engine   *fakeAnnotator
	now      time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		jobs:     &memJobs{jobs: map[string]domain.Job{}},
		profiles: &memProfiles{users: map[string]domain.Profile{}},
		mail:     &memMailer{},
		engine:   &fakeAnnotator{},
		now:      time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
	}
	clock := func() time.Time { return f.now }
	f.blobs = &memBlobs{objs: map[string]memObject{}, now: clock}
	f.t = New(f.jobs, f.profiles, f.blobs, f.mail, f.engine, Config{
		BaseURL: "http://gas.test/",
		Now:     clock,
		Logger:  slog.New(slog.DiscardHandler),
		RestoreEstimate: map[domain.RestoreTier]time.Duration{
			domain.TierExpedited: 5 * time.Second, domain.TierStandard: 30 * time.Second,
		},
	})
	ctx := context.Background()
	f.profiles.Create(ctx, domain.Profile{ID: "u1", Email: "u1@example.org", Role: domain.RoleFree})
	f.profiles.Create(ctx, domain.Profile{ID: "p1", Email: "p1@example.org", Role: domain.RolePremium})
	f.addJob(t, "j1", "u1")
	return f
}

func (f *fixture) addJob(t *testing.T, id, user string) {
	t.Helper()
	ctx := context.Background()
	key := "inputs/" + user + "/" + id + "/sample.vcf"
	if err := f.blobs.Put(ctx, key, strings.NewReader("chr1\t1\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.jobs.Create(ctx, domain.Job{ID: id, UserID: user, InputName: "sample.vcf", InputKey: key,
		SubmittedAt: f.now, Status: domain.StatusPending}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) job(t *testing.T, id string) domain.Job {
	t.Helper()
	j, err := f.jobs.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func (f *fixture) blob(t *testing.T, key string) string {
	t.Helper()
	f.blobs.mu.Lock()
	defer f.blobs.mu.Unlock()
	o, ok := f.blobs.objs[key]
	if !ok {
		t.Fatalf("blob %s missing; have %v", key, f.blobs.keysLocked())
	}
	return string(o.data)
}

func (m *memBlobs) keysLocked() []string {
	var ks []string
	for k := range m.objs {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
