// Package events is the vocabulary of Spona's domain events: every event type
// any service emits, the aggregate it is about and the data keys it carries.
// This file is the one place the types are listed and documented; services
// emit them through package outbox (in the transaction of the change) and
// consumers (other services, webhooks, the REST change feed) read them from
// the services' EventFeedService feeds.
//
// Events carry ids and codes only: never names, notes, documents or any other
// personal data. Write refuses a data key a type does not declare, so a new
// field has to be added here, in review, before it can travel.
//
// Conventions: type names are "<aggregate>.<what happened>" in the past
// tense, lower case, words joined by "_". Data values are strings (ids,
// codes, RFC 3339 times written by Time), numbers, booleans or lists of strings.
package events

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Time is how an event's data carries an instant (due_time, expire_time):
// RFC 3339 in UTC with the instant's fraction of a second (to the
// microsecond PostgreSQL keeps), written as the REST API's JSON writes a
// timestamp (0, 3, 6 or 9 digits), so a consumer finds in the event exactly
// the instant, and the text, the resource shows.
func Time(t time.Time) string {
	s := t.UTC().Format("2006-01-02T15:04:05.000000000")
	for range 3 {
		s = strings.TrimSuffix(s, "000")
	}
	return strings.TrimSuffix(s, ".") + "Z"
}

// Event is one domain event as a service emits it. The outbox adds the id,
// cursor, commit time and traceparent.
type Event struct {
	Type          string
	AggregateType string
	AggregateID   string
	// OrganisationIDs are the organisations the event concerns: who may be
	// told of it (e.g. both parties of a referral, every holder of a grant).
	OrganisationIDs []string
	// Data holds the ids and codes of the event, by key (see Types).
	Data map[string]any
}

// Aggregates.
const (
	AggregateBeneficiary = "beneficiary"
	AggregateConsent     = "consent"
	AggregateAccessGrant = "access_grant"
	AggregateReferral    = "referral"
	AggregateParticipant = "participant"
	AggregateProject     = "project"
	AggregateIndicator   = "indicator"
	AggregateAssistance  = "assistance"
	// AggregateSession is a session of a training event (its marks too).
	AggregateSession = "session"
	// AggregateTrainingEvent is a training event.
	AggregateTrainingEvent = "training_event"
)

// Event types, by emitting service.
const (
	// beneficiaries
	BeneficiaryCreated = "beneficiary.created"
	BeneficiaryUpdated = "beneficiary.updated"
	// BeneficiaryErased: every copy of the person's personal data must go.
	// organisation_ids: the registering organisation and every organisation
	// that held an access grant. merged_ids: records merged into this one
	// earlier (the same person), erased with it. household_ids: the
	// households the person is or was a member of, whose free-text
	// reference was blanked (the owner's copies of them must go too).
	// consent_ids: the consents of other persons (a child's, given by the
	// erased person as its guardian) whose guardian's name, naming the
	// person, was blanked (the copies of them must go too).
	BeneficiaryErased = "beneficiary.erased"
	// BeneficiaryMerged: beneficiary_id (the duplicate, aggregate id) was
	// merged into survivor_id; references to it must point at the survivor.
	// merged_ids: the records merged into the duplicate earlier, which now
	// point at the survivor too (a holder of one of their ids learns its
	// survivor whatever order it gets the two merges in).
	// organisation_ids: the registering organisation and every
	// organisation that held a live grant to the duplicate (it moved to
	// the survivor): those that see the person and hold a stale id.
	BeneficiaryMerged = "beneficiary.merged"
	ConsentGiven      = "consent.given"
	// ConsentWithdrawn: organisation_ids are the registering organisation
	// and every organisation whose grant the withdrawal ended.
	ConsentWithdrawn = "consent.withdrawn"
	// ConsentExpired: a consent reached its expiry time; the grants made
	// under it ended with it, and what was shared under it ends too.
	// organisation_ids as for ConsentWithdrawn.
	ConsentExpired = "consent.expired"
	AccessGranted  = "access.granted"
	AccessRevoked  = "access.revoked"
	// AssistanceRecorded: an organisation (organisation_id) recorded an
	// assistance it delivered to a beneficiary: one per record made (a
	// retry of the same request is none), also the record a referral's
	// completion makes and a correction (told assistance.corrected too,
	// just after). organisation_ids: the recording organisation and the
	// beneficiary's registering organisation, the two that see the
	// record (not another grantee, nor the project's other participants
	// or funders, who read counts in reports). Ids and codes only: the
	// record's assistance_type, date, service_id, location_id,
	// project_id and referral_id, never its notes.
	AssistanceRecorded = "assistance.recorded"
	// AssistanceVoided: the organisation that recorded an assistance voided
	// it (reason_code); reports no longer count it. organisation_ids:
	// that organisation and the beneficiary's registering organisation.
	AssistanceVoided = "assistance.voided"
	// AssistanceCorrected: the receiver of a closed referral recorded an
	// assistance (assistance_id) answering it, correcting corrects_id, its
	// record of the referral voided as wrong details. organisation_ids as
	// for AssistanceVoided.
	AssistanceCorrected = "assistance.corrected"

	// referrals: one event per transition of the state machine.
	ReferralCreated   = "referral.created" // a draft, visible to the sender only
	ReferralSent      = "referral.sent"
	ReferralAccepted  = "referral.accepted"
	ReferralDeclined  = "referral.declined"
	ReferralStarted   = "referral.started" // accepted -> in_progress
	ReferralCompleted = "referral.completed"
	ReferralCancelled = "referral.cancelled"
	// ReferralDraftCancelled: the sender cancelled a draft it never sent;
	// it concerns the sender only (the receiver never saw it).
	ReferralDraftCancelled = "referral.draft_cancelled"
	// ReferralOverdue: the due time of an open referral (sent, accepted or
	// in progress) passed; emitted once per referral by the referrals
	// service's overdue scheduler.
	ReferralOverdue = "referral.overdue"
	// ReferralRedacted: the referral's free texts lost the personal data of
	// its beneficiary (erasure); status, dates and codes are unchanged.
	ReferralRedacted = "referral.redacted"
	// ReferralOutcomeChanged: the assistance record a completed referral's
	// outcome names was voided (assistance_void_reason_code), or replaced
	// by its correction (assistance_id, no void reason); status unchanged.
	ReferralOutcomeChanged = "referral.outcome_changed"

	// trainings. Every trainings event concerns the event's organiser
	// only (organisation_ids), the one organisation that sees it; the
	// professional's organisation is named too in participant.registered.
	// Each names the project the training event is tagged with when the
	// write commits (project_id; absent: untagged), participant.deleted
	// too (before r24 it named none: a consumer of older events finds the
	// project by the participation's event_id).
	ParticipantRegistered = "participant.registered"
	// ParticipantDeleted: the organiser deleted the participation, or a
	// merge of two records of one person combined it into the survivor's
	// participation at the same event (survivor_participant_id: that
	// participation, which took its marks, scores and certificate): a
	// beneficiary merge (cause beneficiary.merged) or a migration merging
	// two professional records of one organiser (trainings 00010, 00014;
	// no cause, the events it causes name participant.deleted).
	ParticipantDeleted = "participant.deleted"
	// ParticipantCertified: a certificate was issued to the participant,
	// or (cause beneficiary.merged or participant.deleted) the
	// participation took the one of the merged record's participation it
	// was combined with (told deleted just before).
	ParticipantCertified = "participant.certified"
	// ParticipantCompleted: a change (cause: the type of the event telling
	// of it, emitted in the same transaction just before) brought the
	// participant's attendance to the event's completion threshold: they
	// count as trained. One per participant whose status changed, none for
	// a change that left it as it was (a mark recorded again).
	ParticipantCompleted = "participant.completed"
	// ParticipantCompletionWithdrawn: a correction (a mark changed, a
	// session added or deleted, the threshold raised) took the
	// participant's attendance below the threshold: they no longer count
	// as trained, nor as certified if they hold a certificate (it stays
	// issued). A participant who had completed and is deleted gets it too,
	// after its participant.deleted (cause participant.deleted), as does
	// the merged record's participation that a beneficiary merge combines
	// into the survivor's at an event where both took part (cause
	// beneficiary.merged; the survivor's gets participant.completed if the
	// combined marks make it complete): counting the completed events less
	// the withdrawn ones gives the trained figure.
	ParticipantCompletionWithdrawn = "participant.completion_withdrawn"
	// SessionCreated, SessionDeleted: a session of event_id was added or
	// deleted (with its marks: participant_ids, those it had marks of);
	// completed_count is the number of the event's participants who
	// complete it after the change (as in every change below).
	SessionCreated = "session.created"
	SessionDeleted = "session.deleted"
	// SessionUpdated: a session of event_id was corrected (fields: the
	// update_mask paths named, of date, start_time, end_time, topic,
	// trainer; date: its day now); its marks stay, and nobody's
	// completion moves with it.
	SessionUpdated = "session.updated"
	// AttendanceRecorded: marks at a session were recorded (over the API
	// or by a sign-in sheet's import); participant_ids are those whose mark
	// is new or changed (none changed: no event); a sign-in sheet's import
	// emits one per session it changed marks at.
	AttendanceRecorded = "attendance.recorded"
	// TrainingEventThresholdChanged: the event's completion threshold
	// (percent of sessions) changed from from_completion_threshold_percent
	// to completion_threshold_percent.
	TrainingEventThresholdChanged = "training_event.threshold_changed"
	// TrainingEventProjectChanged: the event was tagged with another
	// project (project_id; absent: untagged) than before
	// (from_project_id; absent: it had none), by its organiser
	// (organisation_id). Every figure its participants make (registered,
	// trained, certified) leaves the old project's reports and counts in
	// the new one's; completed_count is the number of participants who
	// complete the event and so move with it (counted before a threshold
	// changed by the same update, which training_event.threshold_changed
	// tells after it). A consumer counting figures by project keeps them
	// by event_id and moves them all: a registration or mark committed
	// while the tag changed may still name the project it read before.
	TrainingEventProjectChanged = "training_event.project_changed"

	// reporting
	ProjectCreated = "project.created"
	ProjectUpdated = "project.updated"
	// ProjectDeleted: the implementing organisation deleted the project
	// with its indicators; its readers no longer get its reports.
	ProjectDeleted = "project.deleted"
	// Indicator events: a project's logframe indicators and the values
	// recorded by hand for MANUAL ones, the figures a donor reads in its
	// reports. organisation_ids: the project's readers (implementing,
	// partner and funding organisations), who may read its report. The
	// data names the indicator, its project and, for a value, its period
	// (period_start, period_end: dates) and the organisation that
	// recorded it; never the value, its comment or a title.
	IndicatorCreated = "indicator.created"
	// IndicatorUpdated: fields names the indicator's changed fields.
	IndicatorUpdated = "indicator.updated"
	// IndicatorDeleted: the indicator was deleted with its recorded
	// values, on its own or with its project (one per indicator, before
	// the project's project.deleted, in the same transaction).
	IndicatorDeleted = "indicator.deleted"
	// IndicatorValueRecorded: the first value of a period was recorded.
	IndicatorValueRecorded = "indicator.value_recorded"
	// IndicatorValueCorrected: a period's value was recorded again,
	// replacing the one recorded before: another number, or the same
	// with another comment. The same number and comment recorded again
	// (a retry) changes nothing and is no event.
	IndicatorValueCorrected = "indicator.value_corrected"
)

// Spec describes an event type.
type Spec struct {
	Aggregate string
	// Keys are the data keys the type may carry (all ids or codes).
	Keys []string
	Doc  string
}

// assistanceKeys are the data keys of every assistance event: the
// record's ids and codes (assistance_type, its date), never its notes.
var assistanceKeys = []string{"assistance_id", "beneficiary_id", "organisation_id", "project_id", "referral_id",
	"service_id", "location_id", "assistance_type", "date"}

var referralKeys = []string{"referral_id", "beneficiary_id", "from_organisation_id", "to_organisation_id",
	"to_service_id", "project_id", "category", "urgency", "status", "from_status", "due_time", "outcome_code", "close_reason_code",
	"assistance_id", "assistance_void_reason_code"}

// indicatorKeys are the data keys of indicator events: ids, the changed
// fields' names and a value's period (dates); organisation_id is who
// recorded a value.
var indicatorKeys = []string{"project_id", "indicator_id", "fields", "period_start", "period_end", "organisation_id"}

// completionKeys are the data keys of a participant's completion events.
var completionKeys = []string{"participant_id", "event_id", "beneficiary_id", "professional_id", "project_id", "cause"}

// Types lists every event type with its aggregate and data keys.
var Types = map[string]Spec{
	BeneficiaryCreated: {AggregateBeneficiary, []string{"beneficiary_id"}, "a beneficiary was registered"},
	BeneficiaryUpdated: {AggregateBeneficiary, []string{"beneficiary_id", "fields"}, "fields (names of changed fields) of a beneficiary changed"},
	BeneficiaryErased:  {AggregateBeneficiary, []string{"beneficiary_id", "merged_ids", "household_ids", "consent_ids"}, "a beneficiary's personal data was erased; every copy must go"},
	BeneficiaryMerged:  {AggregateBeneficiary, []string{"beneficiary_id", "survivor_id", "merged_ids"}, "beneficiary_id (and merged_ids, merged into it earlier) was merged into survivor_id"},
	ConsentGiven:       {AggregateConsent, []string{"consent_id", "beneficiary_id", "purpose", "given_by", "expire_time"}, "a consent was recorded"},
	ConsentWithdrawn:   {AggregateConsent, []string{"consent_id", "beneficiary_id", "purpose"}, "a consent was withdrawn"},
	ConsentExpired:     {AggregateConsent, []string{"consent_id", "beneficiary_id", "purpose"}, "a consent reached its expiry time"},
	AccessGranted:      {AggregateAccessGrant, []string{"grant_id", "beneficiary_id", "organisation_id", "source_id", "expire_time"}, "an organisation was granted access to a beneficiary"},
	AccessRevoked:      {AggregateAccessGrant, []string{"grant_id", "beneficiary_id", "organisation_id", "source_id"}, "an access grant ended"},
	AssistanceRecorded: {AggregateAssistance, assistanceKeys, "an organisation recorded an assistance it delivered to a beneficiary"},
	AssistanceVoided: {AggregateAssistance, append(slices.Clip(assistanceKeys), "reason_code", "void_time"),
		"the recording organisation voided an assistance record; reports no longer count it"},
	AssistanceCorrected: {AggregateAssistance, append(slices.Clip(assistanceKeys), "corrects_id"),
		"a closed referral's receiver recorded an assistance correcting its record of the referral voided as wrong details"},

	ReferralCreated:        {AggregateReferral, referralKeys, "a referral was drafted"},
	ReferralSent:           {AggregateReferral, referralKeys, "a referral was sent (the receiver was granted access)"},
	ReferralAccepted:       {AggregateReferral, referralKeys, "the receiver accepted a referral"},
	ReferralDeclined:       {AggregateReferral, referralKeys, "the receiver declined a referral"},
	ReferralStarted:        {AggregateReferral, referralKeys, "the receiver started serving a referral"},
	ReferralCompleted:      {AggregateReferral, referralKeys, "the receiver completed a referral (outcome_code)"},
	ReferralCancelled:      {AggregateReferral, referralKeys, "the sender cancelled a referral"},
	ReferralDraftCancelled: {AggregateReferral, referralKeys, "the sender cancelled a draft it never sent (told to the sender only)"},
	ReferralOverdue:        {AggregateReferral, referralKeys, "an open referral passed its due time unanswered or unfinished (once)"},
	ReferralRedacted:       {AggregateReferral, []string{"referral_id", "beneficiary_id"}, "a referral's free texts were redacted after its beneficiary was erased"},
	ReferralOutcomeChanged: {AggregateReferral, referralKeys,
		"the assistance a completed referral's outcome names was voided (assistance_void_reason_code) or replaced by its correction (assistance_id)"},

	ParticipantRegistered: {AggregateParticipant, []string{"participant_id", "event_id", "beneficiary_id", "professional_id", "organisation_id", "sector", "project_id"}, "a participant was registered at a training event"},
	ParticipantDeleted: {AggregateParticipant, []string{"participant_id", "event_id", "beneficiary_id", "professional_id", "project_id", "cause", "survivor_participant_id"},
		"a participant was removed from a training event (survivor_participant_id: by a merge, combined into that participation; cause beneficiary.merged or none)"},
	ParticipantCertified: {AggregateParticipant, []string{"participant_id", "event_id", "beneficiary_id", "professional_id", "project_id", "cause"},
		"a participant was issued a certificate (cause beneficiary.merged or participant.deleted: took the one of a merged record's participation)"},
	ParticipantCompleted: {AggregateParticipant, completionKeys,
		"a participant's attendance reached the event's completion threshold (cause: the change's event type); they count as trained"},
	ParticipantCompletionWithdrawn: {AggregateParticipant, completionKeys,
		"a correction took a participant's attendance below the completion threshold, or a participant who had completed was deleted or merged into another (cause); they no longer count as trained or certified"},
	SessionCreated: {AggregateSession, []string{"session_id", "event_id", "project_id", "date", "completed_count"},
		"a session was added to a training event"},
	SessionUpdated: {AggregateSession, []string{"session_id", "event_id", "project_id", "date", "fields", "completed_count"},
		"a session of a training event was corrected (fields: those named), its attendance marks kept"},
	SessionDeleted: {AggregateSession, []string{"session_id", "event_id", "project_id", "participant_ids", "completed_count"},
		"a session was deleted with its attendance marks (participant_ids: those it had marks of)"},
	AttendanceRecorded: {AggregateSession, []string{"session_id", "event_id", "project_id", "participant_ids", "completed_count"},
		"attendance marks at a session were recorded (participant_ids: those whose mark is new or changed)"},
	TrainingEventThresholdChanged: {AggregateTrainingEvent, []string{"event_id", "project_id", "completion_threshold_percent",
		"from_completion_threshold_percent", "completed_count"}, "a training event's completion threshold changed"},
	TrainingEventProjectChanged: {AggregateTrainingEvent, []string{"event_id", "project_id", "from_project_id", "organisation_id",
		"completed_count"}, "a training event was tagged with another project (or untagged): its participants' figures moved with it"},

	ProjectCreated: {AggregateProject, []string{"project_id"}, "a project was created"},
	ProjectUpdated: {AggregateProject, []string{"project_id", "fields"}, "fields of a project changed"},
	ProjectDeleted: {AggregateProject, []string{"project_id"}, "a project was deleted with its indicators; its reports are gone"},

	IndicatorCreated:        {AggregateIndicator, indicatorKeys, "an indicator was added to a project"},
	IndicatorUpdated:        {AggregateIndicator, indicatorKeys, "fields of a project's indicator changed"},
	IndicatorDeleted:        {AggregateIndicator, indicatorKeys, "an indicator was deleted with its recorded values, on its own or with its project"},
	IndicatorValueRecorded:  {AggregateIndicator, indicatorKeys, "the first value of a period was recorded for a MANUAL indicator (period_start, period_end)"},
	IndicatorValueCorrected: {AggregateIndicator, indicatorKeys, "a MANUAL indicator's value for a period was replaced by another number or comment (the same again is no event)"},
}

// Check reports whether e is a declared type with declared data keys and
// values of the allowed kinds.
func Check(e Event) error {
	spec, ok := Types[e.Type]
	if !ok {
		return fmt.Errorf("events: undeclared event type %q", e.Type)
	}
	if e.AggregateType != spec.Aggregate {
		return fmt.Errorf("events: %s is about a %s, not a %s", e.Type, spec.Aggregate, e.AggregateType)
	}
	if e.AggregateID == "" {
		return fmt.Errorf("events: %s without aggregate id", e.Type)
	}
	for k, v := range e.Data {
		if !slices.Contains(spec.Keys, k) {
			return fmt.Errorf("events: %s does not declare data key %q", e.Type, k)
		}
		switch v.(type) {
		case string, bool, int, int64, float64, []string, nil:
		default:
			return fmt.Errorf("events: %s data %q has a %T; only ids and codes travel", e.Type, k, v)
		}
	}
	return nil
}

// Names returns every declared type, sorted.
func Names() []string {
	out := make([]string, 0, len(Types))
	for t := range Types {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
