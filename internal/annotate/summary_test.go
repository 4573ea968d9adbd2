package annotate

import "testing"

// TestSmallCounts: each key's count is the number of times it was counted,
// whatever the order, and a key counted often moves to the front.
func TestSmallCounts(t *testing.T) {
	for _, c := range []struct {
		name  string
		keys  []string
		want  map[string]int64
		first string
	}{
		{"none", nil, map[string]int64{}, ""},
		{"one key", []string{"a", "a", "a"}, map[string]int64{"a": 3}, "a"},
		{"frequent last seen", []string{"x", "y", "z", "z", "z", "z", "y"}, map[string]int64{"x": 1, "y": 2, "z": 4}, "z"},
		{"alternating", []string{"a", "b", "a", "b", "b", "c", "b"}, map[string]int64{"a": 2, "b": 4, "c": 1}, "b"},
		{"same length keys", []string{"upstream_gene_variant", "splice_region_variant", "splice_region_variant"},
			map[string]int64{"upstream_gene_variant": 1, "splice_region_variant": 2}, "splice_region_variant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s smallCounts
			for _, k := range c.keys {
				s.inc(k)
			}
			got := map[string]int64{}
			for _, kc := range s {
				if _, dup := got[kc.key]; dup {
					t.Fatalf("%q counted in two places", kc.key)
				}
				got[kc.key] = kc.n
			}
			if len(got) != len(c.want) {
				t.Fatalf("counts %v, want %v", got, c.want)
			}
			for k, n := range c.want {
				if got[k] != n {
					t.Errorf("%q: %d, want %d", k, got[k], n)
				}
			}
			if c.first != "" && s[0].key != c.first {
				t.Errorf("first key %q, want %q", s[0].key, c.first)
			}
		})
	}
}
