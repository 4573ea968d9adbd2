package webui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// Helpers between the handlers and the use cases (internal/service): the
// upload limits as the portal applies them, submitting an upload, and the
// upgrade decision. Every read of a job goes through the service, whose Job
// applies the ownership rule.

// capFor is the largest upload the user may make.
func (s *Server) capFor(p *domain.Profile) int64 {
	if c := s.cfg.Service.UploadCap(*p); c > 0 && c < s.maxUpload {
		return c
	}
	return s.maxUpload
}

// freeCap is the largest upload of a free user, as pages state it.
func (s *Server) freeCap() int64 { return s.capFor(&domain.Profile{Role: domain.RoleFree}) }

// bodyLimit is the largest upload the portal carries itself (the request
// body limit); with Config.Direct it may be below the users' caps.
func (s *Server) bodyLimit() int64 {
	if s.cfg.RequestLimit > 0 && s.cfg.RequestLimit < s.maxUpload {
		return s.cfg.RequestLimit
	}
	return s.maxUpload
}

// tooLarge is the error for an upload of name over what v may send through
// the portal: their cap, or the request limit when that is lower.
func (s *Server) tooLarge(v *domain.Profile, name string) error {
	limit := s.capFor(v)
	if body := s.bodyLimit(); body < limit {
		return public(&statusError{http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"%s is larger than this server accepts in one request (%s); upload larger files on the portal's Annotate page",
			name, formatBytes(body))})
	}
	return s.overCap(v, name)
}

// overCap is the error for an upload of name over v's cap, with the upgrade
// hint when premium would allow more.
func (s *Server) overCap(v *domain.Profile, name string) error {
	limit := s.capFor(v)
	return public(&tooLargeError{name: name, limit: limit, premiumLimit: s.maxUpload,
		upgradable: !v.Premium() && s.maxUpload > limit})
}

// submit starts one job of an upload (the service checks it is a VCF).
func (s *Server) submit(ctx context.Context, v *domain.Profile, fileName string, body io.Reader, opts domain.RunOptions) (domain.Job, error) {
	if v.Auditor {
		return domain.Job{}, errAuditorWrite
	}
	j, err := s.cfg.Service.SubmitJob(ctx, service.SubmitRequest{UserID: v.ID, FileName: fileName, Body: body, Options: opts})
	var mbe *http.MaxBytesError
	if errors.Is(err, domain.ErrTooLarge) || errors.As(err, &mbe) {
		return domain.Job{}, s.tooLarge(v, service.CleanFileName(fileName))
	}
	return j, err
}

// upgrade is the one decision behind the page's and the API's upgrade. With a
// payment provider (Config.Checkout) nothing changes yet: checkout is the
// payment page to send the viewer to, and the provider's webhook upgrades.
// Without one (test mode) the viewer becomes premium at once and the restore starts.
func (s *Server) upgrade(r *http.Request, v *domain.Profile) (checkout string, p domain.Profile, err error) {
	if v.Auditor {
		return "", domain.Profile{}, errAuditorWrite
	}
	if s.cfg.Checkout != nil {
		u, err := s.checkoutURL(r, v)
		return u, *v, err
	}
	if s.cfg.NoTestMode {
		return "", domain.Profile{}, errNoBilling
	}
	p, _, err = s.cfg.Service.Upgrade(r.Context(), v.ID, "") // the click is the event: a random restore name
	return "", p, err
}
