package procpool

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// Inputs and outputs cross the process boundary with encoding/gob. Two
// things gob does badly are caught here instead: a type it cannot carry at
// all fails every input, so Register refuses it with the field to blame;
// and a value that points back to itself would send gob after it until the
// stack overflows and the program dies, so such values are refused before
// they are encoded.

// checkCarriable returns an error naming the part of t that gob cannot
// carry, or nil.
func checkCarriable(t reflect.Type) error {
	return carriable(t, t.String(), map[reflect.Type]bool{})
}

var (
	binaryMarshalerType = reflect.TypeFor[encoding.BinaryMarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
)

// encodesItself reports whether gob leaves t's encoding to t's methods.
func encodesItself(t reflect.Type) bool {
	for _, m := range []reflect.Type{gobEncoderType, binaryMarshalerType, textMarshalerType} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

func carriable(t reflect.Type, path string, seen map[reflect.Type]bool) error {
	if seen[t] || encodesItself(t) {
		return nil
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return fmt.Errorf("%s is a %v, which gob cannot carry", path, t.Kind())
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return carriable(t.Elem(), path, seen)
	case reflect.Map:
		if err := carriable(t.Key(), path+" (map key)", seen); err != nil {
			return err
		}
		return carriable(t.Elem(), path, seen)
	case reflect.Struct:
		exported := 0
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			exported++
			if err := carriable(f.Type, path+"."+f.Name, seen); err != nil {
				return err
			}
		}
		if exported == 0 {
			return fmt.Errorf("%s (%v) has no exported fields, so gob would carry nothing of it; export its fields or give it GobEncode and GobDecode methods", path, t)
		}
	}
	return nil
}

// mayCycle reports whether a value of t can point back to itself through
// what gob follows, or holds interfaces whose values might: only values of
// such types need checkAcyclic. The answer is cached per type.
func mayCycle(t reflect.Type) bool {
	if v, ok := cycleCache.Load(t); ok {
		return v.(bool)
	}
	c := typeMayCycle(t, map[reflect.Type]bool{})
	cycleCache.Store(t, c)
	return c
}

var cycleCache sync.Map // reflect.Type -> bool

func typeMayCycle(t reflect.Type, onPath map[reflect.Type]bool) bool {
	if onPath[t] {
		return true
	}
	if encodesItself(t) {
		return false
	}
	onPath[t] = true
	defer delete(onPath, t)
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return typeMayCycle(t.Elem(), onPath)
	case reflect.Map:
		return typeMayCycle(t.Key(), onPath) || typeMayCycle(t.Elem(), onPath)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && typeMayCycle(f.Type, onPath) {
				return true
			}
		}
	}
	return false
}

// maxDepth bounds how deeply a value may nest: gob recurses once per
// level, and a chain deep enough would overflow the stack as a cycle does.
const maxDepth = 10_000

// errCycle is the error of a value that points back to itself.
var errCycle = errors.New("the value points back to itself, which gob would follow without end")

// checkAcyclic returns an error if v, through what gob follows, points
// back to itself or nests deeper than maxDepth.
func checkAcyclic(v reflect.Value) error {
	if !v.IsValid() || !mayCycle(v.Type()) {
		return nil
	}
	return walk(v, map[uintptr]bool{}, 0)
}

func walk(v reflect.Value, onPath map[uintptr]bool, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("the value nests more than %d levels deep, which gob cannot encode", maxDepth)
	}
	if !v.IsValid() || !mayCycle(v.Type()) {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walk(v.Elem(), onPath, depth+1)
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Kind() == reflect.Slice && v.Len() == 0 {
			return nil
		}
		addr := v.Pointer()
		if onPath[addr] && v.Kind() != reflect.Slice {
			return errCycle
		}
		onPath[addr] = true
		defer delete(onPath, addr)
		return walkInside(v, onPath, depth)
	case reflect.Array, reflect.Struct:
		return walkInside(v, onPath, depth)
	}
	return nil
}

// walkInside walks what v holds.
func walkInside(v reflect.Value, onPath map[uintptr]bool, depth int) error {
	switch v.Kind() {
	case reflect.Pointer:
		return walk(v.Elem(), onPath, depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := walk(v.Index(i), onPath, depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if err := walk(it.Key(), onPath, depth+1); err != nil {
				return err
			}
			if err := walk(it.Value(), onPath, depth+1); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				if err := walk(v.Field(i), onPath, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
