// Package check lints a content snapshot for kb check: front matter that kb
// cannot use (likely typos of its keys, wrong types, bad dates), duplicate
// ids, URLs, aliases and alert claims, broken links, anchors and images,
// paths that kb's own routes shadow, runbooks without alerts, service or
// owners, stale reviews and files over the size cap. It returns findings,
// each positioned in a file with a level; printing them is Write's job.
//
// Most problems are found by content while loading and recorded as
// warnings; check gives each a kind and level by the warning's kind (never
// by its message) and adds the checks that need the whole snapshot or the
// files again (likely typos of front-matter keys, anchors in other
// articles, image contents).
//
// check imports content and render; nothing of HTTP. No API promise outside kb.
package check
