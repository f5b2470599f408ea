package aggregate

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/translit"
)

// A free-text dimension (a municipality as typed into a record) is counted
// by its folded key (translit.Fold: case, diacritics, Cyrillic or Latin
// script, punctuation and spacing), never by the text as typed: persons of
// Šid recorded as Šid, Sid, ŠID and Шид are one cell, not four small cells
// each hidden by suppression while their sum would not be. The cell shows
// one spelling: the one most of the scope's records give (the project's
// records, whatever the period, so that the label does not change with
// the period asked for). On a tie, the spelling not in capitals, then the
// one in Latin script, then the one with diacritics (Šid rather than ŠID,
// Шид or Sid), then the first in code point order. A text folding to
// nothing ("-") or to the label of a missing value ("Unknown") is unknown:
// one cell with the records that give none, not a second cell labelled
// unknown beside it.

// Spelling is one way records gave a free-text value and how many records
// gave it so.
type Spelling struct {
	Text    string
	Records int64
}

// preferred reports whether a is the label rather than b, two spellings
// given by as many records.
func preferred(a, b string) bool {
	ra, rb := rank(a), rank(b)
	for i := range ra {
		if ra[i] != rb[i] {
			return !ra[i]
		}
	}
	return a < b
}

// rank is what makes a spelling a worse label: written in capitals, in
// Cyrillic, without diacritics (plain ASCII).
func rank(s string) [3]bool {
	cyrillic, ascii := false, true
	for _, r := range s {
		cyrillic = cyrillic || unicode.Is(unicode.Cyrillic, r)
		ascii = ascii && r < unicode.MaxASCII
	}
	return [3]bool{s == strings.ToUpper(s) && s != strings.ToLower(s), cyrillic, ascii}
}

// Labels maps each spelling of a free-text dimension to the label of its
// cell (FoldSpellings).
type Labels map[string]string

// FoldSpellings returns the label of each spelling's cell: spellings
// folding alike share the label of the one given by the most records.
func FoldSpellings(spellings []Spelling) Labels {
	type best struct {
		text    string
		records int64
	}
	byKey := map[string]best{}
	for _, s := range spellings {
		key := translit.Fold(s.Text)
		if key = strings.TrimSpace(key); key == "" || key == unknown {
			continue
		}
		b, ok := byKey[key]
		if !ok || s.Records > b.records || (s.Records == b.records && preferred(s.Text, b.text)) {
			byKey[key] = best{s.Text, s.Records}
		}
	}
	out := make(Labels, len(spellings))
	for _, s := range spellings {
		if b, ok := byKey[strings.TrimSpace(translit.Fold(s.Text))]; ok {
			out[s.Text] = b.text
		}
	}
	return out
}

// Folded is a free-text dimension of a count (a municipality as typed)
// counted by its folded spelling: Dim is its name, Expr the text as
// recorded in the count's statements, Spellings a statement returning
// each spelling given in the scope of the labels (the project's records,
// whatever the period) and how many records give it (Spelling), taking
// the arguments Apply is given.
type Folded struct {
	Dim, Expr, Spellings string
}

// Apply returns dims counting f.Dim by the labels of its cells
// (FoldSpellings of the spellings f.Spellings reads with args) when
// groupBy has it, with the labels a statement reading them is bound to
// (Labels.Bind); dims as they are and no labels otherwise.
func (f Folded) Apply(ctx context.Context, q db.Querier, dims Dimensions, groupBy []string, args ...any) (Dimensions, Labels, error) {
	if _, ok := dims[f.Dim]; !ok || !slices.Contains(groupBy, f.Dim) {
		return dims, nil, nil
	}
	rows, err := q.Query(ctx, f.Spellings, args...)
	if err != nil {
		return nil, nil, db.Error(err)
	}
	spellings, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Spelling])
	if err != nil {
		return nil, nil, db.Error(err)
	}
	labels := FoldSpellings(spellings)
	dims = maps.Clone(dims)
	dims[f.Dim] = "(" + labelsParam + "::jsonb ->> " + f.Expr + ")"
	return dims, labels, nil
}

// labelsParam stands for the parameter of the labels in a statement until
// Bind numbers it: a NULL label (no label: counted as unknown) for a text
// without one.
const labelsParam = "$labels"

// Bind returns sql and its arguments args: when sql reads the labels
// (a dimension of Folded.Apply), they are the parameter after args, as a
// JSON object. A statement takes as many arguments as it names, so one
// not reading them is returned as it is.
func (l Labels) Bind(sql string, args []any) (string, []any) {
	if !strings.Contains(sql, labelsParam) {
		return sql, args
	}
	b, err := json.Marshal(map[string]string(l))
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	args = append(slices.Clip(args), string(b))
	return strings.ReplaceAll(sql, labelsParam, "$"+strconv.Itoa(len(args))), args
}
