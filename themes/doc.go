// Package themes owns kb's look: the default theme (HTML templates, CSS,
// JavaScript and icons) embedded in the binary, and the rule by which a theme
// folder given on the command line overrides it file by file.
//
// A theme folder holds templates/*.html and static/*. A file there replaces
// the default file of the same name; files the folder does not have come from
// the default theme. Every template is parsed (and escaped) when the theme is
// opened, so a broken theme stops kb at start-up with the file and line of the
// problem, never a request.
//
// # Templates
//
// layout.html defines "layout", the page skeleton, which calls the blocks
// "title", "head" and "main". Each page template (home.html, article.html,
// folder.html, terms.html, list.html, error.html) defines "main" and may
// redefine the other blocks; partials.html and any other file in templates/
// hold shared definitions. The server executes "layout" with the page's data;
// the data of each page is documented in package server (views.go).
//
// A part is a named template that the server also executes on its own, to
// change a cached page for one request. labels.html defines the one part,
// "filled-labels" (PartLabels): the note above an article whose commands
// were filled in from an alert's labels. article.html executes it without
// data, which writes the empty slot the server replaces with the note.
//
// Template functions:
//
//	static "app.css"   the content-hashed URL of a static file, /static/app.1a2b3c4d5e.css
//	date  TIME         "2 Jan 2006", "" for the zero time
//	isoDate TIME       "2006-01-02", for <time datetime>
//	join LIST SEP      strings.Join
//	slug TEXT          lower-case letters, digits and dashes, for class names: "Critical!" → "critical"
//
// themes imports nothing of kb; its API is internal to kb.
package themes
