package domain

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
	ActionAccessGrant     = "access.grant"
	ActionAccessRevoke    = "access.revoke"
	ActionAccessCheck     = "access.check"
	ActionAssistance      = "assistance.create"
	ActionAssistanceList  = "assistance.list"
)

// ViewFields lists the personal-data fields a caller with the given access
// reads when it reads a beneficiary.
func ViewFields(access string) []string {
	if access == AccessOwner {
		return ownerFields
	}
	return grantedFields
}

var (
	grantedFields = []string{"given_name", "family_name", "original_script_name", "sex", "birth_year", "languages",
		"legal_status", "vulnerabilities", "municipality", "country"}
	ownerFields = append(append([]string{}, grantedFields...), "external_id", "birth_date", "nationality",
		"accommodation", "phone", "email", "notes", "legal_status_history", "documents", "household")
)
