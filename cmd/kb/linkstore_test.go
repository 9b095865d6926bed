package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookSecretsFromEnvironment(t *testing.T) {
	cfg, err := parseConfig("serve", nil, env(map[string]string{
		"KB_WEBHOOK_SECRET_JIRA": "j-secret", "KB_WEBHOOK_SECRET_GIT": " g-secret ", "KB_WEBHOOK_SECRET_NOPE": "x",
		"KB_API_READ_TOKEN": "true",
	}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"jira": "j-secret", "git": "g-secret"}, cfg.WebhookSecrets)
	assert.True(t, cfg.APIReadToken)
	_, err = parseConfig("serve", nil, env(map[string]string{"KB_API_READ_TOKEN": "yes please"}), io.Discard)
	assert.ErrorContains(t, err, "KB_API_READ_TOKEN")
	cfg, err = parseConfig("serve", []string{"--api-read-token=false"}, env(map[string]string{"KB_API_READ_TOKEN": "1"}), io.Discard)
	require.NoError(t, err)
	assert.False(t, cfg.APIReadToken, "the flag wins")
}
