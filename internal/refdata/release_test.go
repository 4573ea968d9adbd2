package refdata

import "testing"

func TestReleaseOf(t *testing.T) {
	for _, c := range []struct{ kind, head, want string }{
		{"genes", "#!genome-build GRCh38.p14\n#!genome-version GRCh38\n#!genebuild-last-updated 2023-03\n1\tensembl\tgene\n", "GRCh38.p14, GRCh38, genebuild 2023-03"},
		{"genes", "##description: evidence-based annotation of the human genome (GRCh38), version 44 (Ensembl 110)\n##date: 2023-03-20\nchr1\tHAVANA\n",
			"evidence-based annotation of the human genome (GRCh38), version 44 (Ensembl 110), 2023-03-20"},
		{"known", "##fileformat=VCFv4.2\n##source=ensembl-vep cache (dbSNP 149, 1000G phase3)\n#CHROM\tPOS\n21\t1\n", "dbSNP 149"},
		{"known", "##fileDate=20180418\n##dbSNP_BUILD_ID=151\n#CHROM\n", "date 20180418, dbSNP 151"},
		{"fasta", ">MT NC_012920.1 Homo sapiens mitochondrion, complete genome (rCRS)\nGATC\n", "NC_012920.1"},
		{"fasta", ">21 dna:chromosome chromosome:GRCh38:21:1:46709983:1 REF\nNNNN\n", "GRCh38"},
		{"fasta", ">21\nNNNN\n", ""},
		{"genes", "21\thavana\tgene\t1\t2\n", ""},
	} {
		if got := releaseOf(c.kind, []byte(c.head)); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.kind, c.head, got, c.want)
		}
	}
	if got := (Source{Path: "/a/b/chr21.fa.gz"}).Name(); got != "chr21.fa.gz" {
		t.Errorf("Name %q", got)
	}
}
