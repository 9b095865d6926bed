package content

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSeverityRank(t *testing.T) {
	order := []string{"critical", "warning", "info", "sev9", ""}
	for i := 1; i < len(order); i++ {
		assert.Less(t, SeverityRank(order[i-1]), SeverityRank(order[i]), "%q before %q", order[i-1], order[i])
	}
	assert.Equal(t, SeverityRank("critical"), SeverityRank("page"), "synonyms rank alike")
	assert.Equal(t, SeverityRank("warning"), SeverityRank("medium"))
}

func TestTypeRank(t *testing.T) {
	assert.Less(t, TypeRank(TypeRunbook), TypeRank(TypeArticle))
	assert.Equal(t, TypeRank(TypeArticle), TypeRank("unknown"))
}
