package procpool

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"strings"
)

// signature describes a task's input and output types down to the fields
// gob sends, so that parent and worker built from different code are caught
// at the handshake rather than decoding each other's values wrongly.
func signature[In, Out any]() string {
	in, out := reflect.TypeFor[In](), reflect.TypeFor[Out]()
	var b strings.Builder
	describe(&b, in, map[reflect.Type]bool{})
	b.WriteString(" -> ")
	describe(&b, out, map[reflect.Type]bool{})
	sum := sha256.Sum256([]byte(b.String()))
	return fmt.Sprintf("%v -> %v #%x", in, out, sum[:6])
}

// describe writes the shape of t: kinds, element types and exported fields.
func describe(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool) {
	if seen[t] {
		b.WriteString(t.String())
		return
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		fmt.Fprintf(b, "%v(", t.Kind())
		describe(b, t.Elem(), seen)
		b.WriteString(")")
	case reflect.Map:
		b.WriteString("map(")
		describe(b, t.Key(), seen)
		b.WriteString(",")
		describe(b, t.Elem(), seen)
		b.WriteString(")")
	case reflect.Struct:
		b.WriteString("struct{")
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				b.WriteString(f.Name + " ")
				describe(b, f.Type, seen)
				b.WriteString(";")
			}
		}
		b.WriteString("}")
	default:
		b.WriteString(t.Kind().String())
	}
}
