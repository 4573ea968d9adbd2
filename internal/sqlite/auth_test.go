package sqlite

import (
	"testing"

	"github.com/gasproject/gas/internal/auth/authtest"
)

func TestAuthContract(t *testing.T) { authtest.StoreContract(t, openTest(t).Auth()) }
