// Package erasure proves that erasing a person reaches every copy of their
// data in the whole system: the real processes on a private PostgreSQL
// cluster with the production log settings, driven over REST; afterwards a
// pg_dump of the whole database, the processes' logs and PostgreSQL's own
// log hold neither the person's name (in any script or folded form) nor
// their document number, and report totals are what they were.
package erasure

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/devstack/devstacktest"
	"github.com/spona/spona/pkg/testkit/pgcluster"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/translit"
)

// The person: a name in Serbian Latin and Cyrillic and a passport number
// that occur nowhere else.
const (
	given      = "Đurđija"
	family     = "Kovačević-Zlatanović"
	cyrillic   = "Ђурђија Ковачевић-Златановић"
	passport   = "PX7Q4K9M2"
	phone      = "+381 64 777 1234"
	fullLatin  = given + " " + family
	someoneNew = "Milica"
)

// needles are what must not remain: the folded name parts (the haystack is
// folded too, so every script, case and diacritic spelling meets them), the
// passport number, the phone number and the birth date.
func needles() []string {
	out := strings.Fields(translit.Fold(fullLatin + " " + cyrillic))
	return append(out, strings.ToLower(passport), "7771234", "1991-05-17")
}

// leaks returns the needles found in text, with some context.
func leaks(text string) []string {
	// bytea values as pg_dump writes them (\\x4b6f...: the edge's stored
	// responses) and JSON escapes (\u0110) are decoded first, then
	// everything is folded.
	text = regexp.MustCompile(`\\\\x([0-9a-f]{2})+`).ReplaceAllStringFunc(text, func(s string) string {
		b, err := hex.DecodeString(s[3:])
		if err != nil {
			return s
		}
		return string(b)
	})
	text = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`).ReplaceAllStringFunc(text, func(s string) string {
		r, err := strconv.Unquote(`"` + s + `"`)
		if err != nil {
			return s
		}
		return r
	})
	lower := strings.ToLower(text)
	folded := translit.Fold(text)
	var out []string
	for _, n := range needles() {
		for _, h := range []string{lower, folded, strings.ReplaceAll(lower, " ", "")} {
			if i := strings.Index(h, n); i >= 0 {
				lo, hi := max(0, i-80), min(len(h), i+len(n)+80)
				out = append(out, fmt.Sprintf("%q in …%s…", n, h[lo:hi]))
				break
			}
		}
	}
	return out
}

type system struct {
	cluster *pgcluster.Cluster
	url     string
	stack   *devstack.Stack
	logs    *devstacktest.Logs
	a, b    *resttest.Client
}

func start(t *testing.T) *system {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// A private cluster, so that its server log can be read: it runs with
	// the settings every Spona cluster has (pgcluster applies them).
	c, err := pgcluster.Start(ctx, filepath.Join(t.TempDir(), "pg"), pgcluster.Options{StopOnExit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Remove() })
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE spona"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	s := &system{cluster: c, url: c.URL("spona")}
	s.stack, s.logs = devstacktest.Start(t, s.url)
	keyA, err := s.stack.CreateKey(ctx, "sender", "Centar za zaštitu")
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := s.stack.CreateKey(ctx, "receiver", "Dom zdravlja")
	if err != nil {
		t.Fatal(err)
	}
	s.a, s.b = resttest.New(s.stack.URL(), keyA), resttest.New(s.stack.URL(), keyB)
	return s
}

func must(t *testing.T, r resttest.Response, status int) resttest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", r.Method, r.Path, r.Status, status, r.Raw)
	}
	return r
}

func str(r resttest.Response, key string) string { v, _ := r.Body[key].(string); return v }

// world is what the scenario created.
type world struct {
	person, duplicate, child, project string
	referral, declined, event         string
	draft, cancelled, ended           string
	receiverEvent, projectB           string
	dryRun, namesOnly                 string
	household, formerHousehold        string
	guardianConsent                   string
	duplicateHousehold                string
	createBody                        map[string]any
	hooks                             *hookSink
}

// hookSink is a webhook endpoint that keeps every body it was sent.
type hookSink struct {
	mu     sync.Mutex
	bodies []string
	srv    *httptest.Server
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookSink) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.bodies, "\n")
}

// populate touches every feature that can hold the person's data.
func populate(t *testing.T, s *system) world {
	var w world
	a, b := s.a, s.b
	// Both organisations take every webhook event: the deliveries (their
	// stored bodies) and what the receivers got must not name her.
	w.hooks = newHookSink(t)
	for _, c := range []*resttest.Client{a, b} {
		must(t, c.Do(t, "POST", "/v1/webhooks", map[string]any{"url": w.hooks.srv.URL, "description": "erasure",
			"event_types": []string{"referral.received", "referral.accepted", "referral.declined", "referral.started",
				"referral.completed", "referral.cancelled", "consent.withdrawn", "beneficiary.erased",
				"referral.outcome_changed", "assistance.corrected", "assistance.recorded", "assistance.voided"}}), 200)
	}
	// The receiver's project runs until the end of this year: the
	// assistance its completion records is dated today (not before the
	// referral was sent).
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now())
	own := must(t, b.Do(t, "POST", "/v1/projects", map[string]any{
		"code": "B-OWN", "titles": []any{map[string]any{"text": "Receiver's own"}},
		"planned_start_date": "2024-01-01", "planned_end_date": fmt.Sprintf("%d-12-31", today.Year), "sectors": []string{"12220"}}), 200)
	orgB, projectB := str(own, "implementing_organisation_id"), str(own, "id")
	w.projectB = projectB
	for i, m := range []string{"METRIC_BENEFICIARIES_ASSISTED", "METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED"} {
		must(t, b.Do(t, "POST", "/v1/projects/"+projectB+"/indicators", map[string]any{
			"code": fmt.Sprintf("B%d", i), "titles": []any{map[string]any{"text": m}}, "level": "INDICATOR_LEVEL_OUTPUT", "metric": m,
			"disaggregations": []string{"sex"}}), 200)
	}
	w.project = str(must(t, a.Do(t, "POST", "/v1/projects", map[string]any{
		"code": "ERASE-1", "titles": []any{map[string]any{"text": "Psychosocial support"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"},
		"recipient_countries": []string{"RS"}}), 200), "id")
	for i, m := range [][2]string{{"METRIC_BENEFICIARIES_ASSISTED", "sex"}, {"METRIC_REFERRALS_MADE", "sex"},
		{"METRIC_REFERRALS_COMPLETED", "category"}, {"METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED", "municipality"}, {"METRIC_BENEFICIARY_PARTICIPANTS_CERTIFIED", "municipality"}} {
		must(t, a.Do(t, "POST", "/v1/projects/"+w.project+"/indicators", map[string]any{
			"code": fmt.Sprintf("I%d", i), "titles": []any{map[string]any{"text": m[0]}}, "level": "INDICATOR_LEVEL_OUTPUT", "metric": m[0],
			"disaggregations": []string{m[1]}}), 200)
	}

	// Before she is registered: the check whether she is (it finds someone
	// else, whose audit records keep its purpose naming her), and a file
	// with her row, refused for a badly written phone (the import's report
	// quotes the cell). No id links either to her.
	must(t, a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Petar", "family_name": "Petrović", "sex": "SEX_MALE"}), 200)
	must(t, a.Do(t, "GET", "/v1/beneficiaries?page_size=50", nil,
		"X-Spona-Purpose", "is "+fullLatin+", passport "+passport+", already registered?"), 200)
	refused := importSheet(t, s, "ime;prezime;pol;datum rođenja;opština;telefon\n"+
		given+";"+family+";ženski;17.05.1991.;Niš;"+phone+" (sestra Milica)\n")
	if !strings.Contains(string(refused.Raw), "7771234") && !strings.Contains(string(refused.Raw), "777 1234") {
		t.Fatalf("the refused import quotes no phone: %s", refused.Raw)
	}

	// The person, created and changed with Idempotency-Keys (the edge keeps
	// the responses), with a passport; the same passport again is a unique
	// violation in PostgreSQL.
	w.createBody = map[string]any{
		"given_name": given, "family_name": family, "original_script_name": cyrillic, "external_id": "KZ-" + passport,
		"sex": "SEX_FEMALE", "birth_date": "1991-05-17", "nationality": "RS", "legal_status": "LEGAL_STATUS_RETURNEE",
		"municipality": "Niš", "country": "RS", "phone": phone, "email": "djurdjija.kz@example.org",
		"notes":     "Đurđija speaks with her sister Milica daily",
		"documents": []any{map[string]any{"type": "DOCUMENT_TYPE_PASSPORT", "number": passport, "issuing_country": "RS"}},
	}
	p := must(t, a.Do(t, "POST", "/v1/beneficiaries", w.createBody, "Idempotency-Key", "create-"+passport), 200)
	w.person = str(p, "id")
	must(t, a.Do(t, "PATCH", "/v1/beneficiaries/"+w.person+"?update_mask=notes,phone", map[string]any{
		"etag": str(p, "etag"), "notes": "Ковачевић-Златановић: needs a Serbian interpreter", "phone": phone},
		"Idempotency-Key", "patch-person-1"), 200)
	must(t, a.Do(t, "POST", "/v1/beneficiaries/"+w.person+"/documents", map[string]any{
		"type": "DOCUMENT_TYPE_PASSPORT", "number": passport, "issuing_country": "RS"}), 409)
	must(t, a.Do(t, "GET", "/v1/beneficiaries/"+w.person, nil, "X-Spona-Purpose", "follow-up call with "+fullLatin), 200)
	must(t, a.Do(t, "POST", "/v1/beneficiaries/"+w.person+"/consents", map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF",
		"scope": "health referral of " + fullLatin}, "Idempotency-Key", "consent-"+passport), 200)
	must(t, a.Do(t, "POST", "/v1/beneficiaries/"+w.person+"/assistances", map[string]any{
		"project_id": w.project, "type": "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", "date": "2024-03-04",
		"notes": cyrillic + " talked about the journey"}, "Idempotency-Key", "assist-"+passport), 200)

	// A duplicate record of her, from a spreadsheet import (scored as her
	// duplicate; a bad cell of the row names her, so the import's report
	// quotes it), merged into the person.
	imp := importSheet(t, s, "ime;prezime;pol;godina rođenja;opština;pravni status;ranjivosti\n"+
		"Djurdjija;Kovacevic Zlatanovic;ženski;1991;Niš;povratnik;\n"+
		"Ђурђија;Ковачевић-Златановић;ženski;1991;Niš;povratnik;Đurđija trudna?\n")
	for _, d := range imp.Body["duplicates"].([]any) {
		if d := d.(map[string]any); d["row"] == float64(2) {
			w.duplicate, _ = d["resource_id"].(string)
		}
	}
	if w.duplicate == "" || imp.Body["counts"].(map[string]any)["created"] != float64(1) {
		t.Fatalf("import of the duplicate: %s", imp.Raw)
	}
	must(t, a.Do(t, "POST", "/v1/beneficiaries/"+w.duplicate+"/assistances", map[string]any{
		"project_id": w.project, "type": "ASSISTANCE_TYPE_INFORMATION", "date": "2024-02-01", "notes": "Kovačević asked about papers"}), 200)

	// A household she has left: registered before its members, with a
	// reference naming the family (the edge keeps that response too).
	w.formerHousehold = str(must(t, a.Do(t, "POST", "/v1/households", map[string]any{"reference": family + ", stari stan"},
		"Idempotency-Key", "household-0"), 200), "id")
	must(t, a.Do(t, "POST", "/v1/households/"+w.formerHousehold+"/members", map[string]any{
		"beneficiary_id": w.person, "relationship": "RELATIONSHIP_HEAD"}, "Idempotency-Key", "household-0-member"), 200)
	must(t, a.Do(t, "DELETE", "/v1/households/"+w.formerHousehold+"/members/"+w.person, nil), 200)

	// A file of other people, imported with a purpose naming her (no row
	// of it is her).
	importSheetWith(t, s, "on_error=skip", "ime;prezime;pol;godina rođenja;opština\nStevan;Ilić;muški;1975;Niš\n",
		"X-Spona-Purpose", "neighbours of "+fullLatin)
	// Her child and a household named after the family.
	w.child = str(must(t, a.Do(t, "POST", "/v1/beneficiaries", map[string]any{
		"given_name": someoneNew, "family_name": "Jovanović", "sex": "SEX_FEMALE", "birth_year": 2015, "municipality": "Niš"}), 200), "id")
	w.household = str(must(t, a.Do(t, "POST", "/v1/households", map[string]any{"reference": "Domaćinstvo Kovačević-Zlatanović",
		"members": []any{map[string]any{"beneficiary_id": w.person, "relationship": "RELATIONSHIP_HEAD"},
			map[string]any{"beneficiary_id": w.child, "relationship": "RELATIONSHIP_CHILD"}}}, "Idempotency-Key", "household-"+passport), 200), "id")
	// She gives a consent for her child as its guardian, typing her name
	// (in capitals) as the guardian's, under an Idempotency-Key (the edge
	// keeps the answer, which names the child and the consent, not her).
	w.guardianConsent = str(must(t, a.Do(t, "POST", "/v1/beneficiaries/"+w.child+"/consents", map[string]any{
		"purpose": "CONSENT_PURPOSE_DATA_PROCESSING", "given_by": "CONSENT_GIVEN_BY_GUARDIAN",
		"guardian_name": "ĐURĐIJA KOVAČEVIĆ-ZLATANOVIĆ, majka"}, "Idempotency-Key", "guardian-consent-1"), 200), "id")
	// The duplicate record was in a household of its own; the merge keeps
	// the person's and drops that membership.
	w.duplicateHousehold = str(must(t, a.Do(t, "POST", "/v1/households", map[string]any{"reference": "Ђурђија, privremeni smeštaj",
		"members": []any{map[string]any{"beneficiary_id": w.duplicate, "relationship": "RELATIONSHIP_HEAD"}}}), 200), "id")
	must(t, a.Do(t, "POST", "/v1/beneficiaries/"+w.person+":merge", map[string]any{"duplicate_id": w.duplicate}), 200)
	// A file naming her by her name alone, now that she is registered: the
	// row is a problem (nothing tells whether it is her or a namesake), its
	// report quoting the name.
	namesOnly := importSheet(t, s, "ime;prezime;pol;opština\n"+given+";"+family+";ženski;Niš\n")
	if l := leaks(string(namesOnly.Raw)); len(l) == 0 || namesOnly.Body["counts"].(map[string]any)["created"] != nil {
		t.Fatalf("the names-only row: %s", namesOnly.Raw)
	}
	w.namesOnly = str(namesOnly, "id")
	// A dry run of a file with her again (scored as her duplicate; a bad
	// cell naming her): nothing written, but its report is kept.
	dry := importSheetWith(t, s, "validate_only=true", "ime;prezime;pol;datum rođenja;opština;telefon;ranjivosti\n"+
		given+";"+family+";ženski;17.05.1991.;Niš;"+phone+";\n"+
		"Ђурђија;Ковачевић;ženski;17.05.1991.;Niš;;"+cyrillic+" trudna?\n")
	w.dryRun = str(dry, "id")
	if l := leaks(string(dry.Raw)); len(l) == 0 || !strings.Contains(string(dry.Raw), w.person) {
		t.Fatalf("the dry run neither quotes her nor finds her: %s", dry.Raw)
	}

	// Others assisted under the project, so report cells are not all tiny.
	for i := range 5 {
		o := str(must(t, a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": fmt.Sprintf("Other %d", i),
			"sex": []string{"SEX_MALE", "SEX_FEMALE"}[i%2], "birth_year": 1980 + i, "municipality": "Niš"}), 200), "id")
		must(t, a.Do(t, "POST", "/v1/beneficiaries/"+o+"/assistances", map[string]any{
			"project_id": w.project, "type": "ASSISTANCE_TYPE_INFORMATION", "date": "2024-03-05"}), 200)
	}

	// Calls reading her and others, with a purpose naming her (stored once
	// per call: erasing her blanks it for the others' records too).
	must(t, a.Do(t, "GET", "/v1/beneficiaries?page_size=50", nil, "X-Spona-Purpose", "looking for "+fullLatin+", "+passport), 200)
	must(t, a.Do(t, "GET", "/v1/beneficiaries:search?query="+url.QueryEscape(given), nil, "X-Spona-Purpose", "is "+cyrillic+" registered?"), 200)

	// Referrals naming her, through every transition, read by the receiver.
	refer := func(key string) string {
		r := must(t, a.Do(t, "POST", "/v1/referrals", map[string]any{
			"beneficiary_id": w.person, "to_organisation_id": orgB, "project_id": w.project, "category": "REFERRAL_CATEGORY_HEALTH",
			"urgency": "URGENCY_HIGH", "reason": fullLatin + ", passport " + passport + ", phone " + phone,
			"notes": cyrillic + " is afraid of hospitals"}, "Idempotency-Key", key), 200)
		id := str(r, "id")
		must(t, a.Do(t, "POST", "/v1/referrals/"+id+":send", map[string]any{"note": "Đurđija waits at the centre"}), 200)
		return id
	}
	w.referral = refer("referral-" + passport)
	must(t, b.Do(t, "GET", "/v1/beneficiaries/"+w.person, nil, "X-Spona-Purpose", "intake of Kovačević"), 200)
	// The receiver checks its own register for her: the search finds one
	// of its own clients, so the purpose naming her is stored with them.
	must(t, b.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Jovan", "family_name": "Marković", "sex": "SEX_MALE"}), 200)
	if r := must(t, b.Do(t, "GET", "/v1/beneficiaries:search?query=Markovi%C4%87", nil,
		"X-Spona-Purpose", "is "+fullLatin+" ("+phone+") already our client?"), 200); len(r.Body["results"].([]any)) != 1 {
		t.Fatalf("the receiver's search of its own clients: %s", r.Raw)
	}
	must(t, b.Do(t, "POST", "/v1/referrals/"+w.referral+":accept", map[string]any{"note": "we will call Đurđija"}), 200)
	must(t, b.Do(t, "POST", "/v1/referrals/"+w.referral+":start", map[string]any{}, "Idempotency-Key", "receiver-start-1"), 200)
	// While its grant lives, the receiver has her in a training event of
	// its own (a beneficiary participant, kept under an Idempotency-Key).
	w.receiverEvent = str(must(t, b.Do(t, "POST", "/v1/trainingEvents", map[string]any{
		"project_id": projectB, "type": "EVENT_TYPE_INTERCULTURAL_DAY", "title": "Health day",
		"start_date": "2024-04-12", "municipality": "Niš", "country": "RS"}), 200), "id")
	must(t, b.Do(t, "POST", "/v1/trainingEvents/"+w.receiverEvent+"/participants", map[string]any{"beneficiary_id": w.person},
		"Idempotency-Key", "participant-"+passport), 200)
	// The completion records the receiver's assistance, with notes naming
	// her, under an Idempotency-Key (the edge keeps the answer).
	must(t, b.Do(t, "POST", "/v1/referrals/"+w.referral+":complete", map[string]any{
		"outcome": map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED", "note": "Kovačević-Zlatanović examined, passport " + passport},
		"assistance": map[string]any{"project_id": projectB, "type": "ASSISTANCE_TYPE_HEALTH_SUPPORT", "date": today.String(),
			"notes": "examined " + fullLatin + ", " + phone}}, "Idempotency-Key", "receiver-complete-1"), 200)
	must(t, b.Do(t, "GET", "/v1/referrals?direction=DIRECTION_INCOMING", nil, "X-Spona-Purpose", "referrals of "+fullLatin), 200)
	// Once the referral closed (the grant with it), the receiver finds
	// the completion's record wrong: it voids it and records the correction naming the referral,
	// with notes naming her, both under Idempotency-Keys (the edge keeps
	// the answers). The sender voids the duplicate's record likewise.
	completed := must(t, b.Do(t, "GET", "/v1/referrals/"+w.referral, nil), 200)
	wrong, _ := completed.Body["outcome"].(map[string]any)["assistance_id"].(string)
	if v := must(t, b.Do(t, "POST", "/v1/assistances/"+wrong+":void", map[string]any{"reason": "ASSISTANCE_VOID_REASON_WRONG_DETAILS"},
		"Idempotency-Key", "receiver-void-1", "X-Spona-Purpose", "wrong date on "+fullLatin+"'s examination"), 200); len(leaks(string(v.Raw))) == 0 {
		t.Fatalf("the void's answer names her not: %s", v.Raw)
	}
	must(t, b.Do(t, "POST", "/v1/beneficiaries/"+w.person+"/assistances", map[string]any{
		"project_id": projectB, "type": "ASSISTANCE_TYPE_HEALTH_SUPPORT", "date": today.String(), "referral_id": w.referral,
		"notes": "corrected: " + cyrillic + " examined, passport " + passport}, "Idempotency-Key", "receiver-correct-1"), 200)
	for _, x := range must(t, a.Do(t, "GET", "/v1/beneficiaries/"+w.person+"/assistances", nil), 200).Body["assistances"].([]any) {
		if x := x.(map[string]any); x["type"] == "ASSISTANCE_TYPE_INFORMATION" {
			must(t, a.Do(t, "POST", "/v1/assistances/"+x["id"].(string)+":void", map[string]any{"reason": "ASSISTANCE_VOID_REASON_DUPLICATE"},
				"Idempotency-Key", "sender-void-1"), 200)
		}
	}

	w.declined = refer("referral-2")
	must(t, b.Do(t, "POST", "/v1/referrals/"+w.declined+":decline", map[string]any{"reason": "Zlatanović lives outside our area"}), 200)
	w.cancelled = refer("referral-3")
	must(t, a.Do(t, "POST", "/v1/referrals/"+w.cancelled+":cancel", map[string]any{"reason": "Đurđija moved to " + phone}), 200)
	// A draft never sent, naming her.
	w.draft = str(must(t, a.Do(t, "POST", "/v1/referrals", map[string]any{
		"beneficiary_id": w.person, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
		"urgency": "URGENCY_NORMAL", "reason": "draft for " + cyrillic + ", passport " + passport,
		"notes": fullLatin + " may need a lawyer"}, "Idempotency-Key", "referral-draft"), 200), "id")
	// An open referral that ends when she withdraws her consent (the
	// withdrawal's reason names her).
	w.ended = refer("referral-4")
	consents := must(t, a.Do(t, "GET", "/v1/beneficiaries/"+w.person+"/consents", nil), 200)
	for _, c := range consents.Body["consents"].([]any) {
		c := c.(map[string]any)
		if c["purpose"] == "CONSENT_PURPOSE_REFERRAL_SHARING" {
			must(t, a.Do(t, "POST", "/v1/beneficiaries/"+w.person+"/consents/"+c["id"].(string)+":withdraw", map[string]any{
				"reason": fullLatin + " called from " + phone}), 200)
		}
	}
	// At once: the receiver no longer reads her, nor acts on the referral.
	must(t, b.Do(t, "GET", "/v1/beneficiaries/"+w.person, nil), 404)
	must(t, b.Do(t, "POST", "/v1/referrals/"+w.ended+":accept", map[string]any{}), 400)
	// Once referrals applied the withdrawal, the referral is cancelled.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		r := must(t, b.Do(t, "GET", "/v1/referrals/"+w.ended, nil), 200)
		if str(r, "status") == "REFERRAL_STATUS_CANCELLED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the open referral after the consent was withdrawn: %s", r.Raw)
		}
	}

	// A community event she attended and was certified for.
	w.event = str(must(t, a.Do(t, "POST", "/v1/trainingEvents", map[string]any{
		"project_id": w.project, "type": "EVENT_TYPE_INTERCULTURAL_DAY", "title": "Intercultural day",
		"start_date": "2024-04-10", "municipality": "Niš", "country": "RS"}), 200), "id")
	session := str(must(t, a.Do(t, "POST", "/v1/trainingEvents/"+w.event+"/sessions", map[string]any{"date": "2024-04-10"}), 200), "id")
	for _, ben := range []string{w.person, w.child} {
		part := str(must(t, a.Do(t, "POST", "/v1/trainingEvents/"+w.event+"/participants", map[string]any{"beneficiary_id": ben},
			"Idempotency-Key", "participant-"+ben), 200), "id")
		must(t, a.Do(t, "POST", "/v1/trainingEvents/"+w.event+"/sessions/"+session+":recordAttendance", map[string]any{
			"marks": []any{map[string]any{"participant_id": part, "present": true}}}), 200)
	}
	must(t, a.Do(t, "POST", "/v1/trainingEvents/"+w.event+":issueCertificates", map[string]any{}), 200)
	return w
}

// importSheet imports a CSV file of beneficiaries as the sender (good rows
// written, bad ones reported) and returns the finished import.
func importSheet(t *testing.T, s *system, csv string) resttest.Response {
	t.Helper()
	return importSheetWith(t, s, "on_error=skip", csv)
}

// importSheetWith is importSheet with the query options given.
func importSheetWith(t *testing.T, s *system, query, csv string, headers ...string) resttest.Response {
	t.Helper()
	op := must(t, s.a.Do(t, "POST", "/v1/beneficiaries:import?"+query, []byte(csv), append([]string{"Content-Type", "text/csv"}, headers...)...), 200)
	for deadline := time.Now().Add(2 * time.Minute); op.Body["done"] != true; {
		if time.Now().After(deadline) {
			t.Fatalf("import not done: %s", op.Raw)
		}
		time.Sleep(50 * time.Millisecond)
		op = must(t, s.a.Do(t, "GET", "/v1/"+str(op, "name"), nil), 200)
	}
	id, _ := op.Body["metadata"].(map[string]any)["import_id"].(string)
	return must(t, s.a.Do(t, "GET", "/v1/imports/"+id, nil), 200)
}

// report returns the project's report results (what a donor sees).
func report(t *testing.T, c *resttest.Client, project string) string {
	t.Helper()
	r := must(t, c.Do(t, "GET", "/v1/projects/"+project+"/report", nil), 200)
	raw, _ := json.Marshal(r.Body["results"])
	return string(raw)
}

// beneficiariesFeed calls the beneficiaries feed as the system does.
func beneficiariesFeed(t *testing.T, s *system) (context.Context, eventsv1.EventFeedServiceClient) {
	t.Helper()
	conn, err := s.stack.Dial(auth.Edge, "beneficiaries")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return auth.WithPrincipal(context.Background(), auth.InternalPrincipal("erasure-test")), eventsv1.NewEventFeedServiceClient(conn)
}

// feedCursors returns the cursors of the events of the beneficiaries feed
// after after (every event for "").
func feedCursors(t *testing.T, ctx context.Context, feed eventsv1.EventFeedServiceClient, after string) []string {
	t.Helper()
	var out []string
	for {
		r, err := feed.ListEvents(ctx, &eventsv1.ListEventsRequest{After: after, PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.GetEvents()) == 0 {
			return out
		}
		for _, ev := range r.GetEvents() {
			out = append(out, ev.GetCursor())
		}
		after = r.GetNextCursor()
	}
}

// beneficiariesFeedHead is the cursor of the last event of the
// beneficiaries feed.
func beneficiariesFeedHead(t *testing.T, s *system) string {
	t.Helper()
	ctx, feed := beneficiariesFeed(t, s)
	all := feedCursors(t, ctx, feed, "")
	if len(all) == 0 {
		t.Fatal("the beneficiaries feed is empty")
	}
	return all[len(all)-1]
}

// waitForFeeds waits until every consumer of the beneficiaries feed
// (referrals, trainings, the edge) has applied it up to head: until the
// event at head is no longer among those after the consumer's stored
// cursor. The cursor need not be head itself: a later write moves a
// consumer past it, and one that filters the feed by type stores a
// checkpoint beyond the events it reads.
func waitForFeeds(t *testing.T, s *system, head string) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, feed := beneficiariesFeed(t, s)
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for {
		var behind []string
		for _, schema := range []string{"referrals", "trainings", "edge"} {
			var cur string
			err := conn.QueryRow(ctx, `SELECT cursor FROM `+schema+`.outbox_cursors WHERE consumer = 'beneficiaries'`).Scan(&cur)
			if err != nil || cur == "" || slices.Contains(feedCursors(t, ctx, feed, cur), head) {
				behind = append(behind, schema)
			}
		}
		if len(behind) == 0 {
			return time.Since(start)
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("consumers still behind the beneficiaries feed: %v", behind)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dump is pg_dump --data-only of the whole database.
func dump(t *testing.T, s *system) string {
	t.Helper()
	bin, err := pgcluster.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--data-only", "--no-owner", "-d", s.url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !strings.Contains(string(out), "COPY beneficiaries.beneficiaries") {
		t.Fatalf("the dump misses the beneficiaries: %.500s", out)
	}
	return string(out)
}

func scenario(t *testing.T, crash bool) {
	s := start(t)
	w := populate(t, s)
	if l := leaks(dump(t, s)); len(l) == 0 {
		t.Fatal("the dump holds nothing of the person before erasure: the test would prove nothing")
	}
	before := report(t, s.a, w.project)
	beforeB := report(t, s.b, w.projectB)

	if crash {
		// The referrals process dies (kill -9) while the erasure happens.
		if err := s.stack.KillService("referrals"); err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	// Erasing through the merged record erases the person.
	e := must(t, s.a.Do(t, "POST", "/v1/beneficiaries/"+w.duplicate+":erase", map[string]any{"reason": "GDPR request 2024/09"}), 200)
	if str(e, "merged_into") != w.person || str(e, "erase_time") == "" {
		t.Fatalf("erased: %s", e.Raw)
	}
	if crash {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := s.stack.StartService(ctx, "referrals"); err != nil {
			t.Fatal(err)
		}
	}
	waited := waitForFeeds(t, s, beneficiariesFeedHead(t, s))
	t.Logf("erasure reached every copy %v after the call (feeds: %v)", time.Since(began).Round(time.Millisecond), waited.Round(time.Millisecond))
	metrics := must(t, resttest.New(s.stack.AdminURL("referrals"), "").Do(t, "GET", "/metrics", nil), 200)
	for _, series := range []string{`outbox_consumer_applied_total{consumer="beneficiaries"`, `outbox_consumer_lag_seconds_bucket{consumer="beneficiaries"`} {
		if !strings.Contains(string(metrics.Raw), series) {
			t.Errorf("referrals' /metrics lacks %s", series)
		}
	}
	// Erasing again changes nothing.
	again := must(t, s.a.Do(t, "POST", "/v1/beneficiaries/"+w.person+":erase", map[string]any{}), 200)
	if str(again, "etag") == "" || str(again, "given_name") != "" {
		t.Fatalf("second erasure: %s", again.Raw)
	}

	// The receiver still sees the referral, without personal data.
	for _, id := range []string{w.referral, w.declined, w.cancelled, w.ended} {
		r := must(t, s.b.Do(t, "GET", "/v1/referrals/"+id, nil), 200)
		if l := leaks(string(r.Raw)); len(l) > 0 || str(r, "reason") != "" || str(r, "notes") != "" {
			t.Fatalf("receiver's referral after erasure: %v\n%s", l, r.Raw)
		}
		ev := must(t, s.b.Do(t, "GET", "/v1/referrals/"+id+"/events", nil), 200)
		if l := leaks(string(ev.Raw)); len(l) > 0 {
			t.Fatalf("referral events after erasure: %v", l)
		}
	}
	done := must(t, s.b.Do(t, "GET", "/v1/referrals/"+w.referral, nil), 200)
	if str(done, "status") != "REFERRAL_STATUS_COMPLETED" || str(done, "urgency") != "URGENCY_HIGH" || str(done, "send_time") == "" ||
		done.Body["outcome"].(map[string]any)["code"] != "OUTCOME_CODE_SERVICE_PROVIDED" {
		t.Fatalf("the referral lost what stays: %s", done.Raw)
	}
	if r := must(t, s.a.Do(t, "GET", "/v1/referrals/"+w.draft, nil), 200); len(leaks(string(r.Raw))) > 0 {
		t.Fatalf("the draft after erasure: %s", r.Raw)
	}
	for _, id := range []string{w.dryRun, w.namesOnly} {
		if r := must(t, s.a.Do(t, "GET", "/v1/imports/"+id, nil), 200); len(leaks(string(r.Raw))) > 0 {
			t.Fatalf("an import's report after erasure: %v\n%s", leaks(string(r.Raw)), r.Raw)
		}
	}
	// Nobody reads her any more.
	must(t, s.b.Do(t, "GET", "/v1/beneficiaries/"+w.person, nil), 404)
	// The household goes on with the child, its reference gone.
	h := must(t, s.a.Do(t, "GET", "/v1/households/"+w.household, nil), 200)
	if members, _ := h.Body["members"].([]any); len(members) != 1 || str(h, "reference") != "" ||
		members[0].(map[string]any)["beneficiary_id"] != w.child {
		t.Fatalf("household after erasure: %s", h.Raw)
	}
	// The child's consent she gave as guardian stays given by a guardian,
	// without her name.
	var kept bool
	for _, c := range must(t, s.a.Do(t, "GET", "/v1/beneficiaries/"+w.child+"/consents", nil), 200).Body["consents"].([]any) {
		if c := c.(map[string]any); c["id"] == w.guardianConsent {
			kept = true
			if c["given_by"] != "CONSENT_GIVEN_BY_GUARDIAN" || (c["guardian_name"] != nil && c["guardian_name"] != "") ||
				c["purpose"] != "CONSENT_PURPOSE_DATA_PROCESSING" {
				t.Errorf("the child's consent after erasure: %v", c)
			}
		}
	}
	if !kept {
		t.Fatalf("the child's consent %s is gone", w.guardianConsent)
	}
	// So do the one she had left and the one of her merged duplicate.
	for _, id := range []string{w.formerHousehold, w.duplicateHousehold} {
		if h := must(t, s.a.Do(t, "GET", "/v1/households/"+id, nil), 200); str(h, "reference") != "" || h.Body["members"] != nil {
			t.Fatalf("a household she had left, after erasure: %s", h.Raw)
		}
	}
	// A replayed create returns the erased record, not the stored response.
	replay := must(t, s.a.Do(t, "POST", "/v1/beneficiaries", w.createBody, "Idempotency-Key", "create-"+passport), 200)
	if l := leaks(string(replay.Raw)); len(l) > 0 || str(replay, "id") != w.person {
		t.Fatalf("replayed create: %v\n%s", l, replay.Raw)
	}
	if after := report(t, s.a, w.project); after != before {
		t.Fatalf("report changed by the erasure:\nbefore %s\nafter  %s", before, after)
	}
	if after := report(t, s.b, w.projectB); after != beforeB {
		t.Fatalf("the receiver's report changed by the erasure:\nbefore %s\nafter  %s", beforeB, after)
	}

	var found []string
	for name, text := range map[string]string{"pg_dump": dump(t, s), "process logs": s.logs.String(), "PostgreSQL log": serverLog(t, s),
		"webhook bodies": w.hooks.String()} {
		for _, l := range leaks(text) {
			found = append(found, name+": "+l)
		}
	}
	if len(found) > 0 {
		t.Fatalf("the person's data is still there:\n%s", strings.Join(found, "\n"))
	}
	if !strings.Contains(serverLog(t, s), "identity_documents_number_key") {
		t.Fatal("PostgreSQL's log lacks the unique violation: is this the server the system used?")
	}
}

func serverLog(t *testing.T, s *system) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.cluster.Dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestErasureReachesEveryCopy is the whole-system erasure.
func TestErasureReachesEveryCopy(t *testing.T) { scenario(t, false) }

// TestErasureWithReferralsKilled: the referrals process is killed (SIGKILL)
// during the erasure; once restarted it catches up and the dump is clean.
func TestErasureWithReferralsKilled(t *testing.T) { scenario(t, true) }
