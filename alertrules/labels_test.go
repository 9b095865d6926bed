package alertrules

import (
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
)

func TestLabelsBounded(t *testing.T) {
	v := url.Values{}
	for i := range 100 {
		v.Set("l"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+strings.Repeat("y", i/26), "v")
	}
	v.Set("long", strings.Repeat("x", MaxLabelValue+1))
	got := Labels(v)
	assert.Len(t, got, MaxLabels)
	for _, l := range got {
		assert.NotEqual(t, "long", l.Name)
	}
}

func TestLabelsRefused(t *testing.T) {
	v := url.Values{
		"namespace": {"shop"},
		"mode":      {"incident"},
		"9lives":    {"x"},
		"bad-name":  {"x"},
		"ctl":       {"a\nb"},
		"utf":       {"\xff"},
		"empty":     {},
		"pod":       {"<script>"},
	}
	assert.Equal(t, []Label{{"namespace", "shop"}, {"pod", "<script>"}}, Labels(v, "mode"),
		"sorted by name; kb's own parameters, invalid names and values left out, values kept as written")
	assert.Equal(t, "namespace=shop&pod=%3Cscript%3E", Query(Labels(v, "mode")).Encode())
}

func TestLabelName(t *testing.T) {
	for name, want := range map[string]bool{
		"job": true, "_x": true, "A9": true, "": false, "9a": false, "a-b": false, "a.b": false,
		strings.Repeat("a", MaxLabelName): true, strings.Repeat("a", MaxLabelName+1): false,
	} {
		assert.Equal(t, want, LabelName(name), name)
	}
}

func TestServiceAndOwners(t *testing.T) {
	snap := load(t, fstest.MapFS{
		"runbooks/etcd/no-leader.md": {Data: []byte("---\nservice: etcd\nowners: [team-db, team-infra]\n---\n# No leader\n")},
		"runbooks/etcd/disk.md":      {Data: []byte("---\nservice: etcd\nowners: [team-db]\n---\n# Disk\n")},
	})
	labels := []Label{{"job", "etcd"}}
	assert.Equal(t, "etcd", Service(labels), "job stands in for a service label")
	assert.Equal(t, "api", Service([]Label{{"job", "etcd"}, {"Service", "api"}}), "service first, names without case")

	owners, source := Owners(snap, labels, "etcd")
	assert.Equal(t, []string{"team-db", "team-infra"}, owners)
	assert.Equal(t, "owners of the etcd runbooks", source)

	owners, source = Owners(snap, []Label{{"team", "sre"}, {"job", "etcd"}}, "etcd")
	assert.Equal(t, []string{"sre"}, owners, "the alert's own team label wins")
	assert.Equal(t, "the team label of the alert", source)

	owners, source = Owners(snap, nil, "")
	assert.Empty(t, owners)
	assert.Empty(t, source)
}
