package domain

import (
	"path"
	"time"
)

// A job's result is one BGZF-compressed VCF plus files made from it, stored
// beside it hot or archived: archive, restore and delete treat them together.

// TabixKey is the tabix index (.tbi) stored beside a result key.
func TabixKey(resultKey string) string { return resultKey + ".tbi" }

// VariantsKey is the per-variant index (package variants) stored beside a result key.
func VariantsKey(resultKey string) string { return path.Dir(resultKey) + "/variants.idx" }

// ResultFiles are a result and the files made from it: the result first,
// then its tabix and variant indexes. Jobs annotated before the indexes
// existed lack them; readers treat a missing one as absent.
func ResultFiles(resultKey string) []string {
	return []string{resultKey, TabixKey(resultKey), VariantsKey(resultKey)}
}

// Download copies: a result in the formats it is not stored in (plain VCF,
// TSV), made on a first download where the portal must hand out a signed
// link (on AWS, past the API's response limit). They can be made again at
// any time, so archiving drops them instead of archiving them, and deleting
// a job deletes them. Beside each, while it is being made away from the
// request (a large result on AWS), a small marker says since when
// (DownloadMarker).

// DownloadFormats are the formats a copy is made in.
var DownloadFormats = []string{"vcf", "tsv"}

// DownloadKey is the copy of the result at resultKey in format (one of
// DownloadFormats).
func DownloadKey(resultKey, format string) string {
	return path.Dir(resultKey) + "/download/annotated." + format
}

// DownloadMarkerKey is the marker of the copy at copyKey.
func DownloadMarkerKey(copyKey string) string { return copyKey + ".making" }

// DownloadFiles are the copies of a result and their markers.
func DownloadFiles(resultKey string) []string {
	var keys []string
	for _, f := range DownloadFormats {
		k := DownloadKey(resultKey, f)
		keys = append(keys, k, DownloadMarkerKey(k))
	}
	return keys
}

// DownloadRequest asks for the copy of a job's result in a format (on AWS
// the payload of the download Lambda).
type DownloadRequest struct {
	JobID  string `json:"job_id"`
	Format string `json:"format"`
	// Background: nobody waits for it, so the attempt is noted in the
	// copy's marker (DownloadMarker).
	Background bool `json:"background,omitempty"`
}

// DownloadMarker is what a marker holds: when making the copy started and,
// if that attempt failed, when and why.
type DownloadMarker struct {
	StartedAt time.Time `json:"started_at"`
	FailedAt  time.Time `json:"failed_at,omitzero"`
	Error     string    `json:"error,omitempty"`
}
