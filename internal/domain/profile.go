package domain

import "time"

// Role is a user's tier.
type Role string

const (
	RoleFree    Role = "free_user"
	RolePremium Role = "premium_user"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleFree || r == RolePremium }

// Profile is a user of the portal.
type Profile struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	Institution string    `json:"institution,omitempty"`
	Role        Role      `json:"role"`
	Auditor     bool      `json:"auditor,omitempty"` // may read every job's history, never change anything
	CreatedAt   time.Time `json:"created_at"`

	StripeCustomerID     string    `json:"stripe_customer_id,omitempty"`
	StripeSubscriptionID string    `json:"stripe_subscription_id,omitempty"`
	PremiumUntil         time.Time `json:"premium_until,omitzero"` // end of the paid period after a cancellation
}

// Premium reports whether the profile keeps results hot.
func (p Profile) Premium() bool { return p.Role == RolePremium }
