package render_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/render"
)

// TestRenderBudget: a render past the budget is refused at once with
// ErrTooSlow, and the same source is refused again without a new render;
// other sources and a generous budget render as usual.
func TestRenderBudget(t *testing.T) {
	src := []byte(strings.Repeat("Some *emphasis* and a [link](https://example.com) in a paragraph.\n\n", 5000))
	r := render.New(render.Options{Budget: time.Nanosecond}) // no render of 300 KB ends within a nanosecond
	_, err := r.Render(render.Input{Source: src})
	var le *render.LimitError
	require.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, render.ErrTooSlow)
	assert.Equal(t, "markdown took over 1ns to render", err.Error())

	done := make(chan error, 1)
	go func() {
		_, err := r.Render(render.Input{Source: src})
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, render.ErrTooSlow, "remembered")
	case <-time.After(time.Minute):
		t.Fatal("a source known to be slow was rendered again")
	}

	doc, err := render.New(render.Options{Budget: time.Minute}).Render(render.Input{Source: src})
	require.NoError(t, err)
	assert.NotEmpty(t, doc.HTML)
}
