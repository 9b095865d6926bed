// Package render turns one Markdown document into safe HTML plus what the rest
// of kb needs from it: headings for the table of contents, plain text and code
// for the search index, and outgoing links for the link graph.
//
// render imports goldmark, its extensions and chroma only; it knows nothing
// about articles, HTTP or the index. Its API is internal to kb.
//
// # Markdown
//
// CommonMark plus GitHub's extensions (tables, task lists, strikethrough,
// bare URLs and e-mail addresses as links), footnotes, definition lists,
// heading ids written as "## Title {#id}", and GitHub alerts ("> [!NOTE]")
// rendered as callouts. Raw HTML is dropped unless Options.UnsafeHTML.
//
// # HTML
//
// The markup the theme styles (see htmlRenderer for the exact form):
//
//   - headings: <h2 id="h-slug">Text<a class="anchor" href="#h-slug" aria-label="Link to this section"></a></h2>;
//     ids are GitHub's slugs with Options.IDPrefix, made unique with -1, -2.
//     The H1 that opens a document is not in the HTML: it is Doc.Title.
//   - code: <div class="code" data-lang="go"><pre class="chroma"><code class="language-go">
//     with chroma's token classes (<span class="kd">), styled by ChromaCSS;
//     the wrapper is where the theme attaches a copy button.
//   - callouts: <div class="callout callout-note" role="note"><p class="callout-title">Note</p>...</div>,
//     for note, tip, important, warning and caution.
//   - broken links and images: class="broken-link" and a title saying why;
//     links outside the content folder have no href, images become
//     <span class="broken-link">alt text</span>.
//   - task lists: <ul class="contains-task-list"><li class="task-list-item"><input disabled type="checkbox">.
//   - footnotes: goldmark's <sup><a class="footnote-ref"> and
//     <div class="footnotes" role="doc-endnotes">, ids with the prefix.
//   - tables: align="..." attributes, never style attributes.
//
// # Links
//
// Relative links are resolved against the folder of Input.Path: links to
// .md files become the article's URL (Resolver.Article), other files
// "/"+root-relative path; fragments get the id prefix. Links climbing out of
// the content folder, and targets the Resolver does not know, are broken.
// Every href and src is checked when written: only http, https, mailto,
// relative URLs and fragments pass, judged after entities and escapes are
// resolved and whitespace and control characters dropped; other links are
// written as their text alone, with a Warning.
//
// # Placeholders
//
// Runbook commands name the values an alert carries as {{namespace}} or
// {{pod}}, or as shell variables ($NAMESPACE, ${POD}). FillPlaceholders fills them in, inside the code elements of
// render's HTML, from the labels of the alert that led a reader to the
// page; it works on the HTML (of the page as the theme wrapped it), since
// the page is rendered once and filled once per request.
//
// # Limits
//
// Input over Options.MaxSize is refused before parsing. goldmark is
// quadratic or deeply recursive on some hostile input; render clamps it while
// parsing (see limits.go) so that Render runs in time linear in its input and
// never recurses deeply: such structure renders as text with a Warning.
package render
