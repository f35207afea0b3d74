package org.passerelle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader and writer, so the binding needs no library: objects become
 * {@code LinkedHashMap<String, Object>}, arrays {@code ArrayList<Object>}, numbers {@code Long}
 * (integral) or {@code Double}, and true/false/null {@code Boolean}/{@code null}.
 * Apps that prefer their own JSON library use the {@code ...Json} methods of {@link Client}.
 */
public final class Json {
  private Json() {}

  /** Parses one JSON value; throws IllegalArgumentException on malformed text. */
  public static Object parse(String text) {
    Reader r = new Reader(text);
    r.space();
    Object v = r.value();
    r.space();
    if (r.i != text.length()) throw r.error("trailing characters");
    return v;
  }

  /** Writes Maps, Iterables, arrays of Object, Strings, Numbers, Booleans and null as JSON. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  // --- typed access used by the result classes -------------------------------------------------

  static Map<?, ?> obj(Object v) {
    if (v instanceof Map) return (Map<?, ?>) v;
    throw new IllegalArgumentException("a JSON object was expected");
  }

  static List<?> arr(Object v) {
    if (v == null) return Collections.emptyList();
    if (v instanceof List) return (List<?>) v;
    throw new IllegalArgumentException("a JSON array was expected");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> objectMap(Object v) {
    return v instanceof Map ? (Map<String, Object>) v : new LinkedHashMap<>();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> objectList(Object v) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : arr(v)) out.add((Map<String, Object>) obj(o));
    return out;
  }

  static String str(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v == null ? null : v.toString();
  }

  static long num(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v instanceof Number ? ((Number) v).longValue() : 0;
  }

  static boolean bool(Map<?, ?> m, String key) {
    return Boolean.TRUE.equals(m.get(key));
  }

  // --- writer ----------------------------------------------------------------------------------

  private static void write(StringBuilder out, Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String) {
      quote(out, (String) v);
    } else if (v instanceof Boolean) {
      out.append(v.toString());
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("JSON has no NaN or infinity");
      out.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d));
    } else if (v instanceof Number) {
      out.append(v.toString());
    } else if (v instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!first) out.append(',');
        first = false;
        quote(out, String.valueOf(e.getKey()));
        out.append(':');
        write(out, e.getValue());
      }
      out.append('}');
    } else if (v instanceof Iterable || v instanceof Object[]) {
      Iterable<?> items = v instanceof Iterable ? (Iterable<?>) v : java.util.Arrays.asList((Object[]) v);
      out.append('[');
      boolean first = true;
      for (Object o : items) {
        if (!first) out.append(',');
        first = false;
        write(out, o);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
    }
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
      }
    }
    out.append('"');
  }

  // --- reader ----------------------------------------------------------------------------------

  private static final class Reader {
    final String s;
    int i;

    Reader(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
    }

    void space() {
      while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
    }

    Object value() {
      if (i >= s.length()) throw error("unexpected end");
      char c = s.charAt(i);
      switch (c) {
        case '{': return object();
        case '[': return array();
        case '"': return string();
        case 't': return literal("true", Boolean.TRUE);
        case 'f': return literal("false", Boolean.FALSE);
        case 'n': return literal("null", null);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) return number();
          throw error("unexpected '" + c + "'");
      }
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, i)) throw error("expected " + word);
      i += word.length();
      return v;
    }

    Map<String, Object> object() {
      Map<String, Object> m = new LinkedHashMap<>();
      i++;
      space();
      if (i < s.length() && s.charAt(i) == '}') {
        i++;
        return m;
      }
      for (;;) {
        space();
        if (i >= s.length() || s.charAt(i) != '"') throw error("expected a key");
        String key = string();
        space();
        if (i >= s.length() || s.charAt(i) != ':') throw error("expected ':'");
        i++;
        space();
        m.put(key, value());
        space();
        if (i >= s.length()) throw error("unexpected end");
        char c = s.charAt(i++);
        if (c == '}') return m;
        if (c != ',') throw error("expected ',' or '}'");
      }
    }

    List<Object> array() {
      List<Object> a = new ArrayList<>();
      i++;
      space();
      if (i < s.length() && s.charAt(i) == ']') {
        i++;
        return a;
      }
      for (;;) {
        space();
        a.add(value());
        space();
        if (i >= s.length()) throw error("unexpected end");
        char c = s.charAt(i++);
        if (c == ']') return a;
        if (c != ',') throw error("expected ',' or ']'");
      }
    }

    String string() {
      StringBuilder b = new StringBuilder();
      i++;
      for (;;) {
        if (i >= s.length()) throw error("unterminated string");
        char c = s.charAt(i++);
        if (c == '"') return b.toString();
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (i >= s.length()) throw error("unterminated escape");
        char e = s.charAt(i++);
        switch (e) {
          case '"': b.append('"'); break;
          case '\\': b.append('\\'); break;
          case '/': b.append('/'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'n': b.append('\n'); break;
          case 'r': b.append('\r'); break;
          case 't': b.append('\t'); break;
          case 'u':
            if (i + 4 > s.length()) throw error("short \\u escape");
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            i += 4;
            break;
          default: throw error("bad escape");
        }
      }
    }

    Object number() {
      int start = i;
      if (s.charAt(i) == '-') i++;
      while (i < s.length() && "0123456789+-.eE".indexOf(s.charAt(i)) >= 0) i++;
      String t = s.substring(start, i);
      try {
        if (t.indexOf('.') < 0 && t.indexOf('e') < 0 && t.indexOf('E') < 0) return Long.parseLong(t);
        return Double.parseDouble(t);
      } catch (NumberFormatException ex) {
        throw error("bad number '" + t + "'");
      }
    }
  }
}
