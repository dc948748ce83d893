package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// newServer starts a local server on 127.0.0.1 whose every path answers
// after a delay between minDelay and maxDelay. The delay and the body
// depend only on the path, so every run of the demo waits the same total
// time. The caller must Close the server.
func newServer(minDelay, maxDelay time.Duration) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rng := rand.New(rand.NewPCG(pathSeed(r.URL.Path), 1))
		delay := minDelay + time.Duration(rng.Int64N(int64(maxDelay-minDelay)+1))
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		fmt.Fprintf(w, "%s: %x", r.URL.Path, rng.Uint32())
	}))
}

// pathSeed hashes path into a seed.
func pathSeed(path string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, path)
	return h.Sum64()
}

// newClient returns a client that keeps up to conns idle connections to
// one host, so that a pool of conns workers reuses its connections.
func newClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = conns
	t.MaxIdleConns = conns
	return &http.Client{Transport: t, Timeout: 10 * time.Second}
}

// fetch returns the body of url. It fails on a status other than 200.
func fetch(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	if _, err := io.Copy(&body, resp.Body); err != nil {
		return "", fmt.Errorf("fetch %s: reading the body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch %s: %s", url, resp.Status)
	}
	return body.String(), nil
}
