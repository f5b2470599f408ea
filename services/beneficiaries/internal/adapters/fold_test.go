package adapters_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/translit"
)

// TestTranslitFoldAsFold: the schema's translit_fold (migration 00021
// folded the purposes stored before with it) folds as pkg/translit's Fold
// (name keys, stored purposes, the names erasure looks for) does, under
// the test cluster's locale: over names in every script the service meets
// and random text of Serbian, Russian, Ukrainian and Macedonian Cyrillic,
// Latin letters with diacritics, Arabic with its vowel marks and
// punctuation, typographic punctuation, symbols and emoji. In a database
// whose LC_CTYPE is C it does not (capitals outside the letters it maps
// itself stay), which is why migration 00023 folds those purposes again
// in Go (service's TestErasureNamingUnderCTypeC); an argument COLLATE "C"
// does not show it.
func TestTranslitFoldAsFold(t *testing.T) {
	pool := schema(t)
	corpus := []string{
		"Ђорђевић", "Đorđević", "Djordjevic", "ĐORĐEVIĆ", "djordjević", "  Đorđević  ", "Љубица Јовановић", "LJUBICA JOVANOVIC",
		"Џаферовић", "Ћирић", "Шушњар", "Müller", "O'Brien-Smith", "أمينة حداد", "Straße", "Юлия Щербакова", "Nađa / Nadja",
		"ǆamila", "Marko  Marković 2", "is Đurđija Kovačević-Zlatanović, passport PX7Q4K9M2, already registered?",
		"„Ђурђија Ковачевић–Златановић“ — тел. +381 64 777 1234", "Ѓорѓи Ќосе Ѕвезда", "Йосиф Їжак Ґанна Ўладзімір", "İstanbul ışık",
		"ÆSIR Œuvre Þór Łódź Øresund Ħal", "x² ½ ﬁ ① Ｆｕｌｌ", "re:Đurđija😀✓€©", "ДЈ дј Дјј d\u0301j",
	}
	pool32 := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-'\"!?()/&_%\\\t\n" +
		"čćžšđČĆŽŠĐdjDJ" + "–—„“”‘’«»…·•‹›\u00a0\u200d\u2009" + "€©®°±×÷😀✓→★" + "ßÆŒÞæœþıİħĦøØłŁðÐ" +
		"ابتثجحخدذرسشصضطظعغفقكلمنهوي\u064b\u064e\u064f\u0650\u0651\u0652\u0654،؛؟٠١٢٣" + "αβγδ")
	for r := rune(0x0400); r <= 0x045f; r++ {
		pool32 = append(pool32, r)
	}
	for r := rune(0x00c0); r <= 0x017f; r++ {
		pool32 = append(pool32, r)
	}
	pool32 = append(pool32, 'Ґ', 'ґ')
	rnd := rand.New(rand.NewPCG(7, 9))
	for range 3000 {
		var b strings.Builder
		for range 1 + rnd.IntN(24) {
			b.WriteRune(pool32[rnd.IntN(len(pool32))])
		}
		corpus = append(corpus, b.String())
	}
	rows, err := pool.Query(context.Background(), `SELECT s, translit_fold(s) FROM unnest($1::text[]) s`, corpus)
	if err != nil {
		t.Fatal(err)
	}
	var s, got string
	bad := 0
	for rows.Next() {
		if err := rows.Scan(&s, &got); err != nil {
			t.Fatal(err)
		}
		if want := translit.Fold(s); got != want && bad < 20 {
			bad++
			t.Errorf("translit_fold(%q) = %q, Fold: %q", s, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
