package search

import (
	"slices"
	"strings"

	"github.com/google/uuid"
)

// A phrase restriction ("heart attack", or `"heart attack" OR stroke`) is
// checked on the entries themselves (search_vector @@ the restriction, in
// keywordLiveSQL), but only on entries that can match: those holding every
// lexeme of some alternative of every group the restriction requires, which
// the keyword leg knows from the posting lists it scores anyway (a phrase's
// words are ranked words too). No GIN index is needed for it
// (012_no_gin.sql). The narrowing only ever keeps too many entries, never too
// few: an alternative it cannot read as "all these lexemes" leaves its group
// unchecked, and the check on the entries decides.

// requirement is, for one language, each required group's alternatives, each
// as the lexemes an entry must hold to match it; nil when nothing narrows.
type requirement [][][]string

// newRequirement reads the alternatives of groups (sizes: the number of each
// group's alternatives, alts their tsquery texts in order) against ranked, the
// lexemes the leg reads lists for. A group is left out when one of its
// alternatives is not a plain conjunction of lexemes, or names a lexeme the
// leg does not read. An alternative with no lexemes (stop words alone) is
// dropped, as Postgres drops it from the restriction; a group left without
// alternatives restricts nothing.
func newRequirement(sizes []int, alts []string, ranked []string) requirement {
	var out requirement
	at := 0
	for _, n := range sizes {
		group, ok := [][]string{}, true
		for _, a := range alts[at : at+n] {
			lexemes, plain := tsqueryLexemes(a)
			for _, l := range lexemes {
				plain = plain && slices.Contains(ranked, l)
			}
			if !plain {
				ok = false
				break
			}
			if len(lexemes) > 0 {
				group = append(group, lexemes)
			}
		}
		at += n
		if ok && len(group) > 0 {
			out = append(out, group)
		}
	}
	return out
}

// tsqueryLexemes returns the lexemes of a tsquery's text form ('heart' <->
// 'attack'), and whether an entry must hold all of them to match it: false
// when it has an OR (|) or a NOT (!). A lexeme is quoted, with ' doubled and
// \ escaped inside.
func tsqueryLexemes(q string) ([]string, bool) {
	var out []string
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '|', '!':
			return nil, false
		case '\'':
			var b strings.Builder
			for i++; i < len(q); i++ {
				if q[i] == '\\' && i+1 < len(q) {
					i++
				} else if q[i] == '\'' {
					if i+1 < len(q) && q[i+1] == '\'' {
						i++
					} else {
						break
					}
				}
				b.WriteByte(q[i])
			}
			out = append(out, b.String())
		}
	}
	return out, true
}

// narrow keeps the scores of the entries that can match kq's requirements:
// those that hold, by the posting lists read (lists, of feeds), every lexeme
// of an alternative of each group of their language's requirement. At most
// 64 lexemes are tracked; beyond, nothing is left out.
func (kq keywordQuery) narrow(scores []docScore, lists []scoredList, feeds []Feed) []docScore {
	language := make(map[uuid.UUID]string, len(feeds))
	for _, f := range feeds {
		language[f.ID] = f.Language
	}
	bits := map[string]map[string]uint{} // per language, a lexeme's bit
	n := uint(0)
	for lang, req := range kq.need {
		if len(req) == 0 {
			return scores // a language restricts nothing: keep all
		}
		bits[lang] = map[string]uint{}
		for _, group := range req {
			for _, alt := range group {
				for _, l := range alt {
					if _, ok := bits[lang][l]; !ok {
						bits[lang][l] = n
						n++
					}
				}
			}
		}
	}
	if n > 64 {
		return scores
	}
	// The masks of each language's alternatives, per group.
	masks := map[string][][]uint64{}
	for lang, req := range kq.need {
		for _, group := range req {
			var alts []uint64
			for _, alt := range group {
				var m uint64
				for _, l := range alt {
					m |= 1 << bits[lang][l]
				}
				alts = append(alts, m)
			}
			masks[lang] = append(masks[lang], alts)
		}
	}
	held := map[int64]uint64{}
	for _, l := range lists {
		if b, ok := bits[language[l.key.feed]][l.key.lexeme]; ok {
			for _, d := range l.docs {
				held[d] |= 1 << b
			}
		}
	}
	// A doc's lists are its own feed's: the bits it holds are of its language.
	canMatch := func(mask uint64) bool {
		for _, groups := range masks {
			if matchesAll(groups, mask) {
				return true
			}
		}
		return false
	}
	out := scores[:0]
	for _, s := range scores {
		if m, ok := held[s.doc]; ok && canMatch(m) {
			out = append(out, s)
		}
	}
	return out
}

// matchesAll reports whether mask holds an alternative of every group.
func matchesAll(groups [][]uint64, mask uint64) bool {
	for _, alts := range groups {
		ok := false
		for _, a := range alts {
			if mask&a == a {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
