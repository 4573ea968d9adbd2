package asl_test

import (
	"testing"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/asl/asltest"
)

func TestMemStoreContract(t *testing.T) {
	asltest.StoreContract(t, func(t *testing.T) asl.Store { return asl.NewMemStore() })
}
