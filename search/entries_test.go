package search

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestListGetDeleteCategories(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	ctx := context.Background()
	en := newFeed(t, pool, "list-en", "english")
	other := newFeed(t, pool, "list-other", "english")
	var batch []NewEntry
	for i := range 12 {
		cat := []string{"cardiology", "sleep", "diet"}[i%3]
		batch = append(batch, NewEntry{ExternalID: fmt.Sprint(i), Title: fmt.Sprintf("Entry %d", i),
			Content: "Running improves sleeping patterns.", Category: cat, Confidence: new(float64(i) / 12)})
	}
	res, err := eng.Ingest(ctx, en, batch)
	if err != nil {
		t.Fatal(err)
	}
	otherRes, err := eng.Ingest(ctx, other, []NewEntry{{ExternalID: "x", Title: "Elsewhere", Content: "run"}})
	if err != nil {
		t.Fatal(err)
	}
	feeds := []Feed{en}

	tests := []struct {
		name      string
		q         ListQuery
		wantTotal int64
		wantLen   int
	}{
		{"first page", ListQuery{Limit: 5}, 12, 5},
		{"last page", ListQuery{Limit: 5, Offset: 10}, 12, 2},
		{"past the end", ListQuery{Limit: 5, Offset: 40}, 12, 0},
		{"category", ListQuery{Category: "sleep", Limit: 50}, 4, 4},
		{"stemmed text", ListQuery{Text: "runs sleep", Limit: 50}, 12, 12},
		{"text with no match", ListQuery{Text: "astronomy", Limit: 50}, 0, 0},
		{"confidence", ListQuery{ConfidenceMin: 0.5, Limit: 50}, 6, 6},
		{"allowed categories", ListQuery{AllowedCategories: []string{"diet", "sleep"}, Limit: 50}, 8, 8},
		{"since the future", ListQuery{Since: new(time.Now().Add(time.Hour)), Limit: 50}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Feeds = feeds
			got, total, err := eng.List(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.wantTotal || len(got) != tt.wantLen {
				t.Errorf("got %d entries of %d, want %d of %d", len(got), total, tt.wantLen, tt.wantTotal)
			}
			for i := 1; i < len(got); i++ {
				if got[i].UpdatedAt.After(got[i-1].UpdatedAt) {
					t.Errorf("not newest first at %d", i)
				}
			}
		})
	}

	t.Run("get scoped to feed", func(t *testing.T) {
		if _, err := eng.Get(ctx, feeds, res[0].ID, nil); err != nil {
			t.Errorf("own entry: %v", err)
		}
		if _, err := eng.Get(ctx, feeds, otherRes[0].ID, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("other feed's entry: got %v, want ErrNotFound", err)
		}
		if _, err := eng.Get(ctx, feeds, res[0].ID, []string{"sleep"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("entry outside allowed categories: got %v, want ErrNotFound", err)
		}
	})
	t.Run("categories", func(t *testing.T) {
		got, err := eng.Categories(ctx, feeds, nil)
		if err != nil || len(got) != 3 || got[0].Count != 4 {
			t.Fatalf("got %+v, %v", got, err)
		}
		got, err = eng.Categories(ctx, feeds, []string{"diet"})
		if err != nil || len(got) != 1 || got[0].Category != "diet" {
			t.Errorf("allowed diet: got %+v, %v", got, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := eng.Delete(ctx, en.ID, res[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := eng.Delete(ctx, en.ID, res[1].ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: got %v, want ErrNotFound", err)
		}
		if err := eng.Delete(ctx, en.ID, uuid.New()); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: got %v, want ErrNotFound", err)
		}
	})
}
