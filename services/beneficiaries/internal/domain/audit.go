package domain

import "slices"

// Audit actions.
const (
	ActionCreate          = "create"
	ActionRead            = "read"
	ActionList            = "list"
	ActionSearch          = "search"
	ActionUpdate          = "update"
	ActionErase           = "erase"
	ActionMerge           = "merge"
	ActionMergedAway      = "merged_into"
	ActionFindDuplicates  = "find_duplicates"
	ActionConsentCreate   = "consent.create"
	ActionConsentList     = "consent.list"
	ActionConsentWithdraw = "consent.withdraw"
	ActionConsentExpire   = "consent.expire"
	ActionConsentCheck    = "consent.check"
	ActionDocumentCreate  = "document.create"
	ActionDocumentList    = "document.list"
	ActionDocumentDelete  = "document.delete"
	ActionHousehold       = "household"
	ActionHouseholdRead   = "household.read"
	ActionAccessGrant     = "access.grant"
	ActionAccessRevoke    = "access.revoke"
	ActionAccessCheck     = "access.check"
	ActionAssistance      = "assistance.create"
	ActionAssistanceList  = "assistance.list"
	ActionAssistanceVoid  = "assistance.void"
	// A history entry corrected or deleted (CorrectLegalStatusChange,
	// DeleteLegalStatusChange).
	ActionHistoryCorrect = "legal_status_history.correct"
	ActionHistoryDelete  = "legal_status_history.delete"
)

// ViewFields lists the personal-data fields a caller with the given access
// reads when it reads a beneficiary.
func ViewFields(access string) []string {
	if access == AccessOwner {
		return ownerFields
	}
	return grantedFields
}

// Sees reports whether a caller with the given access reads field (one of
// ViewFields(access)). A list filter on a field a caller does not see of a
// granted record applies to the caller's own records only, so that
// filtering cannot tell it the field's value.
func Sees(access, field string) bool { return slices.Contains(ViewFields(access), field) }

var (
	grantedFields = []string{"given_name", "family_name", "original_script_name", "sex", "birth_year", "languages",
		"legal_status", "vulnerabilities", "municipality", "country"}
	ownerFields = append(append([]string{}, grantedFields...), "external_id", "birth_date", "nationality",
		"accommodation", "phone", "email", "notes", "legal_status_history", "documents", "household")
)
