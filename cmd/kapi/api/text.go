package api

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/kapi-project/kapi/search"
)

// CheckText is the VALIDATION_ERROR of field when its value s is not text
// Postgres can store (search.TextProblem); nil when it is.
func CheckText(field, s string) error {
	if p := search.TextProblem(s); p != "" {
		return Invalid(field, p, nil)
	}
	return nil
}

// checkDecoded walks a decoded body (structs by their JSON names, maps,
// slices, pointers) and returns the error of the first string that is not
// storable text, naming its field; nil when all are.
func checkDecoded(v reflect.Value, field string) error {
	switch v.Kind() {
	case reflect.String:
		return CheckText(field, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkDecoded(v.Elem(), field)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkDecoded(v.Index(i), field+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Map:
		return checkMap(v, field)
	case reflect.Struct:
		return checkStruct(v, field)
	}
	return nil
}

func checkMap(v reflect.Value, field string) error {
	for it := v.MapRange(); it.Next(); {
		k := it.Key()
		if k.Kind() != reflect.String {
			continue
		}
		name := joinField(field, k.String())
		if err := CheckText(name, k.String()); err != nil {
			return err
		}
		if err := checkDecoded(it.Value(), name); err != nil {
			return err
		}
	}
	return nil
}

func checkStruct(v reflect.Value, field string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if err := checkDecoded(v.Field(i), joinField(field, name)); err != nil {
			return err
		}
	}
	return nil
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}
