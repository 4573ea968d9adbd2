package domain

import "path"

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

// DownloadFiles are copies of a result in the formats it is not stored in
// (plain VCF, TSV), made on a first download where the portal must hand out
// a signed link (on AWS, past the API's response limit). They can be made
// again at any time, so archiving drops them instead of archiving them, and
// deleting a job deletes them.
func DownloadFiles(resultKey string) []string {
	dir := path.Dir(resultKey) + "/download/"
	return []string{dir + "annotated.vcf", dir + "annotated.tsv"}
}
