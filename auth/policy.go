package auth

// Plan is a pair of limits: requests per minute and per calendar month (UTC).
type Plan struct {
	PerMinute int
	PerMonth  int64
}

// Policy holds the limits of every tier and of test keys (API.md §7).
type Policy struct {
	Tiers map[Tier]Plan
	// Test applies to pg_test_ keys whatever the account's tier.
	Test Plan
}

// DefaultPolicy is API.md §7: starter 10/min and 1,000/month, pro 30 and 10,000,
// scale 100 and 50,000; test keys the starter per-minute limit and 1,000/month.
func DefaultPolicy() Policy {
	return Policy{
		Tiers: map[Tier]Plan{
			TierStarter: {PerMinute: 10, PerMonth: 1_000},
			TierPro:     {PerMinute: 30, PerMonth: 10_000},
			TierScale:   {PerMinute: 100, PerMonth: 50_000},
		},
		Test: Plan{PerMinute: 10, PerMonth: 1_000},
	}
}

// PlanFor returns the limits that apply to p's requests.
func (pol Policy) PlanFor(p Principal) Plan {
	if p.Env == EnvTest {
		return pol.Test
	}
	if plan, ok := pol.Tiers[p.Tier]; ok {
		return plan
	}
	return pol.Tiers[TierStarter]
}
