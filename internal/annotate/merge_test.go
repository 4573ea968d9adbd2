package annotate

import (
	"reflect"
	"testing"
)

func TestMergeSummariesAddsAndRecomputes(t *testing.T) {
	a := Summary{Reference: "ref", Records: 10, Alleles: 11, AnnotatedAlleles: 10, KnownHits: 5, Transitions: 6, Transversions: 2,
		MostSevere: map[string]int64{"missense_variant": 3}, Consequences: map[string]int64{"intron_variant": 4},
		Impact: map[string]int64{"MODERATE": 3}, VariantClass: map[string]int64{"SNV": 10}, Passthrough: map[string]int64{},
		Chromosomes: []ChromCount{{Name: "1", Records: 7, Covered: true}, {Name: "2", Records: 3, Covered: true}},
		Notes:       []string{"line 12: ALT <DEL> (symbolic) passed through without consequences"}}
	b := Summary{Reference: "ref", Records: 5, Alleles: 5, AnnotatedAlleles: 5, KnownHits: 0, Transitions: 2, Transversions: 2,
		MostSevere: map[string]int64{"missense_variant": 1, "stop_gained": 1}, Consequences: map[string]int64{},
		Impact: map[string]int64{"HIGH": 1}, VariantClass: map[string]int64{"SNV": 5}, Passthrough: map[string]int64{"*": 1},
		Chromosomes: []ChromCount{{Name: "2", Records: 4, Covered: true}, {Name: "3", Records: 1, Covered: false}},
		Notes:       []string{"line 3: ALT * (*) passed through without consequences"}}
	b.ShiftLines(100)
	got := MergeSummaries([]Summary{a, b})
	if got.Records != 15 || got.Alleles != 16 || got.KnownHits != 5 || got.Transitions != 8 || got.Transversions != 4 {
		t.Fatalf("counts: %+v", got)
	}
	if got.TsTv != 2 || got.KnownPercent != float64(5)*100/15 {
		t.Fatalf("derived: Ts/Tv %v, known %% %v", got.TsTv, got.KnownPercent)
	}
	if !reflect.DeepEqual(got.MostSevere, map[string]int64{"missense_variant": 4, "stop_gained": 1}) {
		t.Fatalf("most severe: %v", got.MostSevere)
	}
	wantChroms := []ChromCount{{"1", 7, true}, {"2", 7, true}, {"3", 1, false}}
	if !reflect.DeepEqual(got.Chromosomes, wantChroms) {
		t.Fatalf("chromosomes: %v", got.Chromosomes)
	}
	if got.Notes[1] != "line 103: ALT * (*) passed through without consequences" || got.Reference != "ref" {
		t.Fatalf("notes %q, reference %q", got.Notes, got.Reference)
	}
}
