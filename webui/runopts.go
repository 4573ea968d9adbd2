package webui

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/httpguard"
)

// Run options (transcripts, distance) as the API and the portal's forms
// send them. A request the server would only half understand (a field it
// does not know, a field given twice, options in a JSON body, options after
// the streamed file) is a 400 naming the problem, never a job run with the
// defaults instead.

// runOptionFields are the form fields of domain.RunOptions.
var runOptionFields = []string{"transcripts", "distance"}

// setRunOption reads one run option field ("" keeps the default).
func setRunOption(o *domain.RunOptions, name, value string) error {
	if value == "" {
		return nil
	}
	switch name {
	case "transcripts":
		o.Transcripts = value
	case "distance":
		n, err := strconv.Atoi(value)
		if err != nil {
			return domain.UserErrorf(domain.ErrInvalid, "distance %q is not a whole number of bases", value)
		}
		o.Distance = &n
	}
	return public(o.Check())
}

// runOptionsOf reads the run options of form; an option given more than
// once is an error. Other fields are the caller's to check (checkFields).
func runOptionsOf(form url.Values) (domain.RunOptions, error) {
	var o domain.RunOptions
	for _, name := range runOptionFields {
		values := form[name]
		if len(values) > 1 {
			return o, givenTwice(name)
		}
		if len(values) == 1 {
			if err := setRunOption(&o, name, strings.TrimSpace(values[0])); err != nil {
				return o, err
			}
		}
	}
	return o, nil
}

// checkFields refuses a field of form that is neither a run option nor one
// of also (such as the portal form's csrf), naming the first in order.
func checkFields(form url.Values, also ...string) error {
	for _, name := range slices.Sorted(maps.Keys(form)) {
		if !slices.Contains(runOptionFields, name) && !slices.Contains(also, name) {
			return unknownField(name, append(slices.Clone(runOptionFields), also...))
		}
	}
	return nil
}

// rerunOptions reads the run options of an API re-run: form fields, in the
// query or in an urlencoded or multipart body, or none (the defaults).
func rerunOptions(w http.ResponseWriter, r *http.Request) (domain.RunOptions, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	mt, err := mediaType(r)
	if err != nil {
		return domain.RunOptions{}, err
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxFormBytes)
		if err == nil && len(r.MultipartForm.File) > 0 {
			name := slices.Sorted(maps.Keys(r.MultipartForm.File))[0]
			return domain.RunOptions{}, unknownField(name, runOptionFields)
		}
	case "":
		// No body (curl -X POST): the options, if any, are in the query.
		if n, _ := io.ReadFull(r.Body, make([]byte, 1)); n > 0 {
			return domain.RunOptions{}, badRequest("the request has a body but no Content-Type: send the run options as form fields (application/x-www-form-urlencoded or multipart/form-data)")
		}
		err = r.ParseForm()
	default:
		return domain.RunOptions{}, unsupportedType(mt)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, httpguard.ErrSlowBody) {
			return domain.RunOptions{}, public(err) // 413, 408 (statusOf), as s.form
		}
		return domain.RunOptions{}, badRequest("malformed form: " + err.Error())
	}
	if err := checkFields(r.Form); err != nil {
		return domain.RunOptions{}, err
	}
	return runOptionsOf(r.Form)
}

// mediaType is the request's Content-Type without parameters, lower case;
// "" when there is none.
func mediaType(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", badRequest(fmt.Sprintf("malformed Content-Type %q: %v", ct, err))
	}
	return mt, nil
}

func unsupportedType(mt string) error {
	return badRequest(fmt.Sprintf("unsupported content type %q: send the run options as form fields (application/x-www-form-urlencoded or multipart/form-data)", mt))
}

func unknownField(name string, known []string) error {
	return badRequest(fmt.Sprintf("unknown field %q: the fields are %s", name, strings.Join(known, ", ")))
}

func givenTwice(name string) error {
	return badRequest(fmt.Sprintf("field %q is given more than once: send it once", name))
}

func badRequest(msg string) error { return public(&statusError{http.StatusBadRequest, msg}) }

// uploadFields are the multipart fields of an upload, in this order: the
// form's csrf token (the portal's plain form), the run options, then file.
var uploadFields = []string{"csrf", "transcripts", "distance", "file"}

// fileThenEnd reads the upload's file part and, at its end, what follows it
// in the body: a field after the file cannot be honoured (the file streams
// into the store before it is read), so it fails the upload, and no job
// starts. err keeps that failure, whatever the store makes of it.
type fileThenEnd struct {
	file io.Reader
	mr   *multipart.Reader
	done bool
	err  error
}

func (f *fileThenEnd) Read(p []byte) (int, error) {
	n, err := f.file.Read(p)
	if err == io.EOF && !f.done {
		f.done = true
		if f.err = f.trailer(); f.err != nil {
			return n, f.err
		}
	}
	return n, err
}

// trailer reads the part after the file, if any, and says why it is refused.
func (f *fileThenEnd) trailer() error {
	part, err := f.mr.NextPart()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		if rerr := uploadReadError(err); rerr != err {
			return rerr
		}
		return badRequest("malformed multipart body after the file: " + err.Error())
	}
	defer part.Close()
	switch name := part.FormName(); {
	case name == "file":
		return givenTwice("file")
	case slices.Contains(uploadFields, name):
		return badRequest(fmt.Sprintf("field %q comes after \"file\": send it before the file (the file is streamed, so fields after it cannot be applied)", name))
	default:
		return unknownField(name, uploadFields)
	}
}
