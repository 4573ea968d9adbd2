package annotate

// TEMPORARY until internal/consequence lands: no CSQ entries.
type pendingPredictor struct{}

func newPredictor() predictor { return pendingPredictor{} }

func (pendingPredictor) appendCSQ(dst []byte, c chromosome, v Variant, existing []byte, t *tally) ([]byte, string, string, error) {
	return dst, "", "", nil
}

func impactOf(term string) string { return "" }
