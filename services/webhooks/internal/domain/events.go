package domain

import (
	"encoding/json"
	"slices"
	"time"
)

// Webhook event types an organisation can subscribe to.
const (
	TypeReferralReceived  = "referral.received"
	TypeReferralAccepted  = "referral.accepted"
	TypeReferralDeclined  = "referral.declined"
	TypeReferralStarted   = "referral.started"
	TypeReferralCompleted = "referral.completed"
	TypeReferralCancelled = "referral.cancelled"
	TypeReferralOverdue   = "referral.overdue"
	TypeConsentWithdrawn  = "consent.withdrawn"
	TypeConsentExpired    = "consent.expired"
	TypeBeneficiaryErased = "beneficiary.erased"
	TypeBeneficiaryMerged = "beneficiary.merged"
	// TypeReferralOutcomeChanged: the assistance record a completed
	// referral's outcome names was voided or replaced by its correction;
	// to both parties.
	TypeReferralOutcomeChanged = "referral.outcome_changed"
	// TypeAssistanceCorrected: a closed referral's receiver recorded an
	// assistance correcting its record of the referral, voided as wrong
	// details; to the organisations the event names (the receiver and the
	// beneficiary's registering organisation, which see the record).
	TypeAssistanceCorrected = "assistance.corrected"
	// TypeAssistanceRecorded, TypeAssistanceVoided: an organisation
	// recorded an assistance it delivered to a beneficiary, or voided its
	// record; to the organisations the event names, the two that see the
	// record: the recording organisation and the beneficiary's registering
	// organisation. Never to another grantee (it sees only its own
	// records), nor to the project's other participants or funders: they
	// read counts in reports, suppressed, not a person's assistance.
	TypeAssistanceRecorded = "assistance.recorded"
	TypeAssistanceVoided   = "assistance.voided"

	// The trainings service's events, to the training event's organiser
	// only: a session added, corrected or deleted, attendance recorded, the
	// completion threshold changed, the event tagged with another project
	// (its figures moved from one project's reports to the other's), and
	// a participant's completion reached or withdrawn by one of them.
	// Never to the projects' partners and donors, who do not see the
	// event (they read its counts in their reports), and each of whom
	// would learn the other project's id.
	TypeSessionCreated                 = "session.created"
	TypeSessionUpdated                 = "session.updated"
	TypeSessionDeleted                 = "session.deleted"
	TypeAttendanceRecorded             = "attendance.recorded"
	TypeTrainingEventThresholdChanged  = "training_event.threshold_changed"
	TypeTrainingEventProjectChanged    = "training_event.project_changed"
	TypeParticipantCompleted           = "participant.completed"
	TypeParticipantCompletionWithdrawn = "participant.completion_withdrawn"

	// The reporting service's events, to the project's readers (the
	// organisations that may read its report): an indicator added,
	// changed or deleted, and a period's value recorded or corrected.
	TypeIndicatorCreated        = "indicator.created"
	TypeIndicatorUpdated        = "indicator.updated"
	TypeIndicatorDeleted        = "indicator.deleted"
	TypeIndicatorValueRecorded  = "indicator.value_recorded"
	TypeIndicatorValueCorrected = "indicator.value_corrected"
)

// EventTypes lists every webhook event type.
var EventTypes = []string{
	TypeReferralReceived, TypeReferralAccepted, TypeReferralDeclined, TypeReferralStarted,
	TypeReferralCompleted, TypeReferralCancelled, TypeReferralOverdue, TypeConsentWithdrawn,
	TypeConsentExpired, TypeBeneficiaryErased, TypeBeneficiaryMerged, TypeReferralOutcomeChanged,
	TypeAssistanceCorrected, TypeAssistanceRecorded, TypeAssistanceVoided,
	TypeSessionCreated, TypeSessionUpdated, TypeSessionDeleted, TypeAttendanceRecorded, TypeTrainingEventThresholdChanged,
	TypeTrainingEventProjectChanged, TypeParticipantCompleted, TypeParticipantCompletionWithdrawn,
	TypeIndicatorCreated, TypeIndicatorUpdated, TypeIndicatorDeleted, TypeIndicatorValueRecorded, TypeIndicatorValueCorrected,
}

// Feeds name the services whose feeds are consumed.
const (
	FeedBeneficiaries = "beneficiaries"
	FeedReferrals     = "referrals"
	FeedTrainings     = "trainings"
	FeedReporting     = "reporting"
)

// toNamed are the types told, as they are, to the organisations the event
// names (its OrganisationIDs), by the feed that carries them: for a
// consent's end, the registering organisation and every grant holder;
// for an erasure or a merge, the registering one and those that saw the
// record (for a merge, its grants moved to the survivor), which hold its
// now stale id; for an assistance recorded, voided or corrected, the
// organisation that recorded it and the registering one; for a training's change, the event's organiser;
// for an indicator's, the project's readers.
var toNamed = map[string][]string{
	FeedBeneficiaries: {TypeConsentWithdrawn, TypeConsentExpired, TypeBeneficiaryErased, TypeBeneficiaryMerged, TypeAssistanceCorrected,
		TypeAssistanceRecorded, TypeAssistanceVoided},
	FeedTrainings: {TypeSessionCreated, TypeSessionUpdated, TypeSessionDeleted, TypeAttendanceRecorded, TypeTrainingEventThresholdChanged,
		TypeTrainingEventProjectChanged, TypeParticipantCompleted, TypeParticipantCompletionWithdrawn},
	FeedReporting: {TypeIndicatorCreated, TypeIndicatorUpdated, TypeIndicatorDeleted, TypeIndicatorValueRecorded, TypeIndicatorValueCorrected},
}

// Event is a domain event of another service, as its feed carries it.
type Event struct {
	ID              string
	Type            string
	AggregateType   string
	AggregateID     string
	Time            time.Time
	OrganisationIDs []string
	Data            map[string]any
	// Traceparent of the change that caused the event.
	Traceparent string
}

// Notice is what one organisation is told of an event: a webhook event
// type and its thin body.
type Notice struct {
	OrganisationID string
	Type           string
	// OrderingKey groups the notices that must arrive in order (the
	// referral or beneficiary they are about).
	OrderingKey string
	Data        map[string]any
}

// side says which party of a referral is told of a transition.
type side int

const (
	toReceiver side = 1 << iota
	toSender
)

// referralTransitions maps the referral feed's event types to the webhook
// type and who is told: the receiver learns of what the sender did and the
// sender of what the receiver did ("the other party"); overdue goes to both.
var referralTransitions = map[string]struct {
	webhook string
	to      side
}{
	"referral.sent":      {TypeReferralReceived, toReceiver},
	"referral.accepted":  {TypeReferralAccepted, toSender},
	"referral.declined":  {TypeReferralDeclined, toSender},
	"referral.started":   {TypeReferralStarted, toSender},
	"referral.completed": {TypeReferralCompleted, toSender},
	"referral.cancelled": {TypeReferralCancelled, toReceiver},
	"referral.overdue":   {TypeReferralOverdue, toReceiver | toSender},
	// Both parties see the referral's outcome, which names the record.
	"referral.outcome_changed": {TypeReferralOutcomeChanged, toReceiver | toSender},
}

// SourceTypes are the types of feed's events (FeedBeneficiaries, ...)
// that lead to webhooks: what its consumer asks for.
func SourceTypes(feed string) []string {
	out := slices.Clone(toNamed[feed])
	if feed == FeedReferrals {
		for t := range referralTransitions {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// dataKeys are the fields of an event's data a notice may carry: ids and
// codes, never names, notes or free-text reasons.
var dataKeys = []string{
	"referral_id", "beneficiary_id", "consent_id", "from_organisation_id", "to_organisation_id",
	"to_service_id", "project_id", "status", "from_status", "urgency", "category", "due_time", "outcome_code",
	"close_reason_code", "purpose", "merged_ids", "survivor_id",
	"assistance_id", "assistance_void_reason_code", "organisation_id", "corrects_id",
	// an assistance record's codes: the directory service and location
	// that delivered it, its type, date (also a session's), and a void's
	// reason and time.
	"service_id", "location_id", "assistance_type", "reason_code", "void_time",
	// trainings: the training event (event_id), its session and
	// participants, the count completing it, its threshold (percents),
	// the project it was tagged with before (from_project_id; its
	// organiser is organisation_id) and the type of the change that moved
	// a completion (cause).
	"event_id", "session_id", "date", "participant_id", "participant_ids", "professional_id", "cause",
	"completed_count", "completion_threshold_percent", "from_completion_threshold_percent", "from_project_id",
	// reporting: the indicator, its changed fields' names and a value's
	// period (dates); organisation_id is who recorded the value.
	"indicator_id", "fields", "period_start", "period_end",
}

// Route returns who is told of e and what: only organisations the event
// concerns, each at most once.
func Route(e Event) []Notice {
	data := thin(e)
	var out []Notice
	add := func(org, typ string) {
		if org == "" || slices.ContainsFunc(out, func(n Notice) bool { return n.OrganisationID == org }) {
			return
		}
		out = append(out, Notice{OrganisationID: org, Type: typ, OrderingKey: e.AggregateID, Data: data})
	}
	if t, ok := referralTransitions[e.Type]; ok {
		from, _ := data["from_organisation_id"].(string)
		to, _ := data["to_organisation_id"].(string)
		if t.to&toReceiver != 0 {
			add(to, t.webhook)
		}
		// A referral ended because its consent did, or because its person
		// was erased: no party cancelled it, so both are told.
		if t.to&toSender != 0 || endedBySystem(data) {
			add(from, t.webhook)
		}
		return out
	}
	for _, types := range toNamed {
		if slices.Contains(types, e.Type) {
			for _, org := range e.OrganisationIDs {
				add(org, e.Type)
			}
		}
	}
	return out
}

// SequenceKey is the data field numbering the events of one aggregate (the
// referral, consent, person or assistance record the event is about): 1 for
// the first event of it that led to a notice, higher for each later one, in
// the order the events happened. Two notices about one referral are told
// apart by it when they arrive out of order (a retry, a redelivery).
const SequenceKey = "sequence"

// Number gives the notices of one event its sequence number within its
// aggregate (SequenceKey), in their data: the webhook body and the
// change-feed entry carry the same.
func Number(notices []Notice, seq int64) {
	for _, n := range notices {
		n.Data[SequenceKey] = seq
	}
}

// endedBySystem reports whether a referral event's data says it was
// cancelled because the consent it was sent under was withdrawn or
// expired, or because its person was erased.
func endedBySystem(data map[string]any) bool {
	code, _ := data["close_reason_code"].(string)
	return code == "CONSENT_WITHDRAWN" || code == "CONSENT_EXPIRED" || code == "BENEFICIARY_ERASED"
}

// aggregateKeys are the data keys naming an aggregate, by its type (a
// training event's is event_id).
var aggregateKeys = map[string]string{
	"referral": "referral_id", "beneficiary": "beneficiary_id", "assistance": "assistance_id",
	"participant": "participant_id", "session": "session_id", "training_event": "event_id", "indicator": "indicator_id",
}

// thin keeps the allowed fields of e's data and names the aggregate.
func thin(e Event) map[string]any {
	out := map[string]any{}
	for _, k := range dataKeys {
		if v, ok := e.Data[k]; ok {
			out[k] = v
		}
	}
	if k, ok := aggregateKeys[e.AggregateType]; ok {
		if _, ok := out[k]; !ok {
			out[k] = e.AggregateID
		}
	}
	return out
}

// Body is the JSON body of a webhook: {"id", "type", "timestamp", "data"}.
// id is the event's (eventID), as the change feed and the delivery log
// name it: the same for every subscription and retry, so a receiver that
// also reads the change feed (catching up after its endpoint was disabled)
// knows which events it already has. webhook-id names the delivery.
func Body(n Notice, eventID string, at time.Time) ([]byte, error) {
	return json.Marshal(struct {
		ID        string         `json:"id"`
		Type      string         `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}{eventID, n.Type, at.UTC().Format(time.RFC3339Nano), n.Data})
}
