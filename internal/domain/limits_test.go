package domain

import (
	"errors"
	"fmt"
	"testing"
)

func TestLimitErrorMessage(t *testing.T) {
	cases := []struct {
		err  *LimitError
		want string
	}{
		{&LimitError{Name: LimitRecords, Max: 100_000, Line: 100_003, Role: RoleFree},
			"line 100003: records limit reached: at most 100,000 on the free tier; premium allows 50,000,000 (upgrade at /subscribe)"},
		{&LimitError{Name: LimitInput, Max: 8 << 20, Role: RoleFree},
			"decompressed input bytes limit reached: at most 8 MiB on the free tier; premium allows 16 GiB (upgrade at /subscribe)"},
		{&LimitError{Name: LimitOutput, Max: 64 << 30, Role: RolePremium}, "output bytes limit reached: at most 64 GiB"},
		{&LimitError{Name: LimitAltAlleles, Max: 3}, "ALT alleles per record limit reached: at most 3"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
		if !errors.Is(fmt.Errorf("wrapped: %w", c.err), ErrLimit) {
			t.Errorf("%v does not match ErrLimit", c.err)
		}
	}
}

// TestTiers: every limit is set for both tiers and premium is never lower.
func TestTiers(t *testing.T) {
	free, prem := FreeLimits.Rows(), PremiumLimits.Rows()
	if len(free) != len(limitOrder) || LimitsFor(RolePremium) != PremiumLimits || LimitsFor("") != FreeLimits {
		t.Fatal("tiers")
	}
	for i, n := range limitOrder {
		f, _ := FreeLimits.value(n)
		p, _ := PremiumLimits.value(n)
		if f <= 0 || p < f {
			t.Errorf("%s: free %d, premium %d", n, f, p)
		}
		if free[i].Name != n || free[i].Value == "" || prem[i].Value == "" {
			t.Errorf("row %d: %+v %+v", i, free[i], prem[i])
		}
	}
	if got := FormatBytes(150_000); got != "150 KB" {
		t.Errorf("FormatBytes = %q", got)
	}
}
