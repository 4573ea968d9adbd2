package s3fake

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
)

// MinPartSize is S3's smallest part of a multipart upload but the last
// (CompleteMultipartUpload answers EntityTooSmall otherwise).
const MinPartSize = 5 << 20

// MultipartStats counts the parts the fake received, to tell copied bytes
// (UploadPartCopy: they never left the server) from uploaded ones.
type MultipartStats struct {
	Uploads     int   // UploadPart requests
	UploadBytes int64 // their bytes
	Copies      int   // UploadPartCopy requests
	CopyBytes   int64 // bytes they copied
}

// MultipartStats returns the counts so far.
func (s *Server) MultipartStats() MultipartStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Server) notePart(uploadID, partNumber string, size int64, copied bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partSizes[uploadID+"/"+partNumber] = size
	if copied {
		s.stats.Copies++
		s.stats.CopyBytes += size
	} else {
		s.stats.Uploads++
		s.stats.UploadBytes += size
	}
}

// uploadPart handles UploadPart, noting its size, and UploadPartCopy, which
// gofakes3 lacks: the source bytes (or the x-amz-copy-source-range of them)
// are read from the backend and stored through gofakes3's UploadPart.
func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, bucket, key string) {
	q := r.URL.Query()
	if r.Header.Get("X-Amz-Copy-Source") == "" {
		size := r.ContentLength
		if d, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64); err == nil {
			size = d
		}
		rec := &statusRecorder{ResponseWriter: w}
		s.s3.ServeHTTP(rec, r)
		if rec.status < 300 {
			s.notePart(q.Get("uploadId"), q.Get("partNumber"), size, false)
		}
		return
	}
	data, code, msg := s.copySourceBytes(r)
	if code != "" {
		status := http.StatusBadRequest
		switch code {
		case "NoSuchKey":
			status = http.StatusNotFound
		case "InvalidObjectState":
			status = http.StatusForbidden
		}
		writeError(w, status, code, msg)
		return
	}
	fwd, err := http.NewRequestWithContext(r.Context(), http.MethodPut, r.URL.String(), bytes.NewReader(data))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	fwd.Header.Set("Content-Length", strconv.Itoa(len(data)))
	fwd.ContentLength = int64(len(data))
	rec := httptest.NewRecorder()
	s.s3.ServeHTTP(rec, fwd)
	if rec.Code >= 300 {
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	s.notePart(q.Get("uploadId"), q.Get("partNumber"), int64(len(data)), true)
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><CopyPartResult><LastModified>%s</LastModified><ETag>%s</ETag></CopyPartResult>`,
		s.Now().Format("2006-01-02T15:04:05.000Z"), xmlEscape(rec.Header().Get("ETag")))
}

// copySourceBytes reads the bytes an UploadPartCopy names, or the S3 error
// code and message refusing them.
func (s *Server) copySourceBytes(r *http.Request) (data []byte, code, msg string) {
	src, err := url.PathUnescape(strings.TrimPrefix(r.Header.Get("X-Amz-Copy-Source"), "/"))
	if err != nil {
		return nil, "InvalidArgument", "bad x-amz-copy-source"
	}
	srcBucket, srcKey, _ := strings.Cut(src, "/")
	if s.archived(srcBucket, srcKey) {
		return nil, "InvalidObjectState", "The source object of the COPY action is not in the active tier"
	}
	obj, err := s.backend.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return nil, "NoSuchKey", "The specified key does not exist."
	}
	defer obj.Contents.Close()
	data, err = io.ReadAll(obj.Contents)
	if err != nil {
		return nil, "InternalError", err.Error()
	}
	if rng := r.Header.Get("X-Amz-Copy-Source-Range"); rng != "" {
		var first, last int64
		if _, err := fmt.Sscanf(rng, "bytes=%d-%d", &first, &last); err != nil || first < 0 || last < first || last >= int64(len(data)) {
			return nil, "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"
		}
		data = data[first : last+1]
	}
	if int64(len(data)) > 5<<30 {
		return nil, "InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120"
	}
	return data, "", ""
}

// completeTooSmall reports whether a CompleteMultipartUpload lists a part
// under MinPartSize before its last part (S3's EntityTooSmall); it leaves
// the request's body readable.
func (s *Server) completeTooSmall(r *http.Request) bool {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	var req struct {
		Parts []struct {
			PartNumber int `xml:"PartNumber"`
		} `xml:"Part"`
	}
	if xml.Unmarshal(body, &req) != nil {
		return false // gofakes3 answers MalformedXML
	}
	id := r.URL.Query().Get("uploadId")
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range req.Parts {
		size, ok := s.partSizes[id+"/"+strconv.Itoa(p.PartNumber)]
		if ok && i < len(req.Parts)-1 && size < MinPartSize {
			return true
		}
	}
	return false
}
