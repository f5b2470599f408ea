package hsds

import (
	"github.com/google/uuid"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// Each location of a service has an id of its own, unique and kept across
// updates, and belongs to that one service: the location identifies the
// service at it. The id of a service_at_location is its location's id with
// a fixed mask applied (version and variant bits untouched), so that it
// differs from the location's id, stays the same while the location does,
// and leads back to the location (LocationOf) for GET
// /service_at_locations/{id}.
var salMask = func() uuid.UUID {
	m := uuid.MustParse(derive("service_at_location"))
	m[6] &= 0x0f // version
	m[8] &= 0x3f // variant
	return m
}()

func xorMask(id uuid.UUID) string {
	for i := range id {
		id[i] ^= salMask[i]
	}
	return id.String()
}

// ServiceAtLocationID is the id of the service at the location with
// locationID.
func ServiceAtLocationID(locationID string) string {
	id, err := uuid.Parse(locationID)
	if err != nil {
		return derive("service_at_location", locationID)
	}
	return xorMask(id)
}

// LocationOf returns the id of the location of a service_at_location id;
// false when id is not a UUID.
func LocationOf(serviceAtLocationID string) (string, bool) {
	id, err := uuid.Parse(serviceAtLocationID)
	if err != nil {
		return "", false
	}
	return xorMask(id), true
}

// ServiceMinimal is a service with only what identifies it and when it
// (or its organisation, org) last changed (the profile's minimal=true:
// "just id and modified date"; its schema requires name and status of
// every entry too).
func (w Writer) ServiceMinimal(s *domain.Service, org *domain.Organisation) Service {
	out := w.ServiceRef(s)
	out.LastModified = lastModified(s, org)
	return out
}
