// Package word is kb's one definition of a word in the text people search:
// which characters make words (IsRune), how text splits into the words a
// query or an index matches (Spans, Tokens, Fields), and how an identifier
// such as KubePodCrashLooping or nf_conntrack splits into its parts (Parts).
//
// The index, the query parser and the snippets split text here, and
// content's similar-article names take their letters from IsRune, so a word
// means the same thing in each. word imports nothing of kb, so that every
// package may use it. Its API is internal to kb.
package word
