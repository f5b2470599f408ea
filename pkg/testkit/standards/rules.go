package standards

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/iati"
)

// IATIRuleFailures checks an IATI 2.03 activity file against the rules of
// the IATI rulesets (github.com/IATI/IATI-Rulesets, rulesets/standard.json)
// that an activity of Spona's shape can break, beyond what the schema
// checks, and returns one line per failure ("rule id: what"). Rules on
// elements Spona never writes (transactions, regions, policy markers…) are
// left out. It is an independent re-statement of those rules for tests, not
// a port of the rulesets' code.
func IATIRuleFailures(doc []byte, now time.Time) []string {
	root, err := ParseXML(doc)
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	var out []string
	fail := func(id, format string, args ...any) { out = append(out, id+": "+fmt.Sprintf(format, args...)) }
	if root.Name != "iati-activities" || root.attr("version") != "2.03" {
		fail("schema", "root is %s version %q", root.Name, root.attr("version"))
	}
	today := now.UTC().Format(time.DateOnly)
	for _, a := range root.All("iati-activity") {
		id := a.one("iati-identifier").Text
		rep := a.one("reporting-org")
		ref := rep.attr("ref")
		if ref == "" {
			fail("1.14", "reporting-org has no @ref")
		}
		if ref != "" && ref == id {
			fail("1.1.3", "the activity identifier equals the reporting organisation's")
		}
		if !strings.HasPrefix(id, ref+"-") || len(id) <= len(ref)+1 {
			fail("1.1.21", "identifier %q does not start with the reporting organisation's identifier %q and a hyphen", id, ref)
		}
		for _, s := range []string{id, ref} {
			if strings.ContainsAny(s, "/&|?") || strings.TrimSpace(s) != s {
				fail("1.3.13", "identifier %q holds a forbidden character or spaces", s)
			}
		}
		if len(rep.All("narrative")) == 0 {
			fail("reporting-org", "no narrative (the reporting organisation has no name)")
		}
		if a.attr("xml:lang") == "" {
			fail("4.1.1", "no default language")
		}
		if lu := a.attr("last-updated-datetime"); lu == "" || lu > now.UTC().Add(time.Minute).Format(time.RFC3339) {
			fail("11.1.1", "last-updated-datetime %q missing or in the future", lu)
		}
		for _, el := range []string{"title", "description"} {
			for _, n := range a.All(el) {
				if !hasText(n) {
					fail("4.3.1", "%s without narrative content", el)
				}
			}
		}
		dates := map[string]string{}
		for _, d := range a.All("activity-date") {
			dates[d.attr("type")] = d.attr("iso-date")
		}
		if dates["1"] == "" && dates["2"] == "" {
			fail("6.11.1", "no planned or actual start date")
		}
		order(fail, "11.1.2", dates["1"], dates["3"], "planned start after planned end")
		order(fail, "11.1.3", dates["2"], dates["4"], "actual start after actual end")
		order(fail, "11.1.4", dates["2"], today, "actual start in the future")
		order(fail, "11.1.5", dates["4"], today, "actual end in the future")
		// Participating organisations: identified, and each once per role.
		seen := map[string]bool{}
		for _, o := range a.All("participating-org") {
			if o.attr("ref") == "" && len(o.All("narrative")) == 0 {
				fail("6.10.1", "participating-org without @ref or narrative")
			}
			if o.attr("role") == "" {
				fail("schema", "participating-org without @role")
			}
			key := o.attr("role") + "|" + o.attr("ref")
			if o.attr("ref") == "" {
				key += "|" + narrativeKey(o)
			}
			if seen[key] {
				fail("participating-org", "organisation %q listed twice in role %s", o.attr("ref")+narrativeKey(o), o.attr("role"))
			}
			seen[key] = true
		}
		// Recipient countries: percentages on each when several, summing to 100.
		countries := a.All("recipient-country")
		if len(a.All("recipient-region")) == 0 {
			shares(fail, "3.1", countries, "recipient-country")
		}
		// Sectors: at least one; per vocabulary, percentages summing to 100.
		sectors := a.All("sector")
		if len(sectors) == 0 {
			fail("6.2.2", "no sector")
		}
		byVocab := map[string][]*XMLNode{}
		for _, s := range sectors {
			v := s.attr("vocabulary")
			if v == "" {
				v = "1"
			}
			byVocab[v] = append(byVocab[v], s)
		}
		for v, ss := range byVocab {
			shares(fail, "2.1", ss, "sector vocabulary "+v)
		}
		// Budgets: a value with a currency, a period of a year or less.
		for _, b := range a.All("budget") {
			start, end := b.one("period-start").attr("iso-date"), b.one("period-end").attr("iso-date")
			order(fail, "8.6.3", start, end, "budget period starts after it ends")
			if longerThanAYear(start, end) {
				fail("7.5.3", "budget period %s to %s is longer than one year", start, end)
			}
			if v := b.one("value"); v.attr("currency") == "" && a.attr("default-currency") == "" {
				fail("7.8.1", "budget value without currency")
			}
		}
		// Codes: each from its IATI codelist (rules 9.x), which the schema
		// does not check.
		if t := rep.attr("type"); !iati.IsOrganisationType(t) {
			fail("9.54.1", "reporting-org type %q is not an OrganisationType code", t)
		}
		for _, o := range a.All("participating-org") {
			if t, ok := o.Attrs["type"]; ok && !iati.IsOrganisationType(t) {
				fail("9.42.1", "participating-org type %q is not an OrganisationType code", t)
			}
		}
		for _, s := range sectors {
			if v := s.attr("vocabulary"); (v == "" || v == "1") && !iati.IsSector(s.attr("code")) {
				fail("9.76.1", "sector %q is not an OECD DAC 5-digit sector code", s.attr("code"))
			}
		}
		walk(a, func(n *XMLNode) {
			if l, ok := n.Attrs["xml:lang"]; ok && !iati.IsLanguage(l) {
				fail("9.95.1", "%s xml:lang %q is not a Language code", n.Name, l)
			}
		})
		for _, r := range a.All("result") {
			for _, ind := range r.All("indicator") {
				quantitative := slices.Contains([]string{"1", "2", "3", "4"}, ind.attr("measure"))
				for _, b := range ind.All("baseline") {
					value(fail, "8.8", b, quantitative)
				}
				for _, p := range ind.All("period") {
					order(fail, "8.6.1", p.one("period-start").attr("iso-date"), p.one("period-end").attr("iso-date"), "indicator period starts after it ends")
					for _, x := range p.All("target") {
						value(fail, "8.9", x, quantitative)
					}
					for _, x := range p.All("actual") {
						value(fail, "8.10", x, quantitative)
					}
				}
			}
		}
	}
	return out
}

func order(fail func(string, string, ...any), id, less, more, what string) {
	if less != "" && more != "" && less > more {
		fail(id, "%s (%s > %s)", what, less, more)
	}
}

// longerThanAYear: the end falls after the same day a year after the start
// (29 February counts as 28 February in the following year).
func longerThanAYear(start, end string) bool {
	s, err1 := time.Parse(time.DateOnly, start)
	e, err2 := time.Parse(time.DateOnly, end)
	if err1 != nil || err2 != nil {
		return false
	}
	limit := time.Date(s.Year()+1, s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
	if limit.Month() != s.Month() {
		limit = limit.AddDate(0, 0, -limit.Day())
	}
	return e.After(limit)
}

var number = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// shares checks the percentages of items sharing 100 %: each between 0 and
// 100; one item without a percentage or at 100; several each with one,
// summing to exactly 100.
func shares(fail func(string, string, ...any), rule string, items []*XMLNode, what string) {
	sum := new(big.Rat)
	with := 0
	for _, it := range items {
		p, ok := it.Attrs["percentage"]
		if !ok {
			continue
		}
		with++
		r, good := new(big.Rat).SetString(p)
		if !good || r.Sign() < 0 || r.Cmp(big.NewRat(100, 1)) > 0 {
			fail("12", "%s percentage %q out of range", what, p)
			continue
		}
		sum.Add(sum, r)
	}
	switch {
	case len(items) == 1 && with == 1 && sum.Cmp(big.NewRat(100, 1)) != 0:
		fail(rule+".4", "a single %s must have no percentage or 100", what)
	case len(items) > 1 && with != len(items):
		fail(rule+".1", "several %s entries, not each with a percentage", what)
	case len(items) > 1 && sum.Cmp(big.NewRat(100, 1)) != 0:
		fail(rule+".2", "%s percentages add up to %s, not 100", what, sum.FloatString(2))
	}
}

// value checks the @value of a baseline, target or actual.
func value(fail func(string, string, ...any), rule string, n *XMLNode, quantitative bool) {
	v, ok := n.Attrs["value"]
	switch {
	case quantitative && !ok:
		fail(rule+".1", "%s without a value in a quantitative indicator", n.Name)
	case quantitative && !number.MatchString(v):
		fail(rule+".2", "%s value %q is not a number", n.Name, v)
	case !quantitative && ok:
		fail(rule+".3", "%s value in a qualitative indicator", n.Name)
	}
}

// walk calls f on n and every element under it.
func walk(n *XMLNode, f func(*XMLNode)) {
	f(n)
	for _, c := range n.Children {
		walk(c, f)
	}
}

func hasText(n *XMLNode) bool {
	for _, x := range n.All("narrative") {
		if strings.TrimSpace(x.Text) != "" {
			return true
		}
	}
	return false
}

func narrativeKey(n *XMLNode) string {
	var parts []string
	for _, x := range n.All("narrative") {
		parts = append(parts, x.attr("xml:lang")+"="+x.Text)
	}
	return strings.Join(parts, ";")
}

// XMLNode is a parsed XML element: its local name, attributes (those of
// the xml namespace as "xml:lang"), child elements and trimmed text.
type XMLNode struct {
	Name     string
	Attrs    map[string]string
	Children []*XMLNode
	Text     string
}

func (n *XMLNode) attr(name string) string { return n.Attrs[name] }

// All returns the children called name.
func (n *XMLNode) All(name string) []*XMLNode {
	var out []*XMLNode
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// one returns the first child called name, or an empty node.
func (n *XMLNode) one(name string) *XMLNode {
	if xs := n.All(name); len(xs) > 0 {
		return xs[0]
	}
	return &XMLNode{Name: name, Attrs: map[string]string{}}
}

// ParseXML parses a document into its root element.
func ParseXML(b []byte) (*XMLNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*XMLNode
	var root *XMLNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := &XMLNode{Name: x.Name.Local, Attrs: map[string]string{}}
			for _, a := range x.Attr {
				key := a.Name.Local
				if a.Name.Space == "http://www.w3.org/XML/1998/namespace" {
					key = "xml:" + key
				}
				n.Attrs[key] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += strings.TrimSpace(string(x))
			}
		}
	}
	if root == nil {
		return nil, io.ErrUnexpectedEOF
	}
	return root, nil
}
