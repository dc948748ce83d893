package procpool_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/poolkit/poolkit/procpool"
)

// Part names a range of a shared region: what an input carries instead of
// the bytes.
type Part struct {
	Text     *procpool.Shared
	Off, Len int
}

// countWords counts the words in its part of the shared text.
func countWords(_ context.Context, p Part) (int, error) {
	text, err := p.Text.Bytes()
	if err != nil {
		return 0, err
	}
	return len(bytes.Fields(text[p.Off : p.Off+p.Len])), nil
}

var countWordsTask = procpool.Register("example.count-words", countWords)

// Share puts data where every worker maps it, so inputs name a part of it
// instead of carrying it: each input crosses as a few dozen bytes, and
// the text exists once in memory however many workers read it.
func ExampleShare() {
	text := bytes.Repeat([]byte("to be or not to be "), 1000)
	shared, err := procpool.Share(text)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer shared.Close()

	p := procpool.New(countWordsTask, procpool.Workers(2))
	defer p.Close()
	var parts []Part
	for off := 0; off < len(text); off += 1900 { // 1900 bytes: 100 whole phrases
		parts = append(parts, Part{shared, off, min(1900, len(text)-off)})
	}
	counts, err := p.Map(context.Background(), parts)
	if err != nil {
		fmt.Println(err)
		return
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	fmt.Println(len(parts), "parts,", total, "words")
	// Output: 10 parts, 6000 words
}
