package io.framegate.accelerator.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framegate.accelerator.error.InvalidModelException;

/**
 * Reads the value a bundled JavaScript module exports ({@code module.exports = {...}} inside a
 * browserify/UMD wrapper), as packages ship TF.js models ({@code model.min.js}) and weight shards
 * ({@code group1-shard1of1.min.js}, one base64 string). Minifiers write object literals, not JSON:
 * unquoted keys, {@code !0}/{@code !1} for true/false, {@code .5} for 0.5, {@code void 0}; this
 * parser accepts exactly that literal subset and nothing executable.
 */
final class JsLiterals {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String text;
  private final String source;
  private int pos;

  private JsLiterals(String text, String source, int pos) {
    this.text = text;
    this.source = source;
    this.pos = pos;
  }

  /**
   * The literal assigned to the first {@code .exports=} that is followed by an object, array or
   * string literal (the wrapper's own {@code module.exports=e()} is skipped).
   */
  static JsonNode exportedValue(String text, String source) {
    int from = 0;
    while (true) {
      int at = text.indexOf("exports", from);
      if (at < 0) {
        throw new InvalidModelException(
            source + ": no 'exports = <object, array or string>' found; is this a bundled model?");
      }
      int p = skipSpace(text, at + "exports".length());
      if (p < text.length() && text.charAt(p) == '=' && !text.startsWith("==", p)) {
        p = skipSpace(text, p + 1);
        if (p < text.length() && "{[\"'".indexOf(text.charAt(p)) >= 0) {
          JsLiterals parser = new JsLiterals(text, source, p);
          return parser.value();
        }
      }
      from = at + 1;
    }
  }

  /** Parses one literal that makes up the whole text. */
  static JsonNode parse(String text, String source) {
    JsLiterals parser = new JsLiterals(text, source, 0);
    JsonNode v = parser.value();
    parser.pos = skipSpace(text, parser.pos);
    if (parser.pos != text.length()) {
      throw parser.error("unexpected text after the value");
    }
    return v;
  }

  private JsonNode value() {
    pos = skipSpace(text, pos);
    if (pos >= text.length()) {
      throw error("unexpected end of text");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"', '\'':
        return NODES.textNode(string());
      case '!':
        // minifiers write true as !0 and false as !1
        if (text.startsWith("!0", pos)) {
          pos += 2;
          return NODES.booleanNode(true);
        }
        if (text.startsWith("!1", pos)) {
          pos += 2;
          return NODES.booleanNode(false);
        }
        throw error("unsupported expression");
      default:
        break;
    }
    if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
      return number();
    }
    String word = identifier();
    return switch (word) {
      case "true" -> NODES.booleanNode(true);
      case "false" -> NODES.booleanNode(false);
      case "null" -> NODES.nullNode();
      case "void" -> {
        pos = skipSpace(text, pos);
        if (pos < text.length() && text.charAt(pos) == '0') {
          pos++;
          yield NODES.nullNode();
        }
        throw error("unsupported expression after 'void'");
      }
      case "Infinity" -> NODES.numberNode(Double.POSITIVE_INFINITY);
      case "NaN" -> NODES.numberNode(Double.NaN);
      default -> throw error("unsupported expression '" + word + "'");
    };
  }

  private ObjectNode object() {
    ObjectNode o = NODES.objectNode();
    pos++; // {
    while (true) {
      pos = skipSpace(text, pos);
      if (peek() == '}') {
        pos++;
        return o;
      }
      String key;
      char c = peek();
      if (c == '"' || c == '\'') {
        key = string();
      } else if (Character.isDigit(c) || c == '.') {
        key = number().asText();
      } else {
        key = identifier();
      }
      pos = skipSpace(text, pos);
      expect(':');
      o.set(key, value());
      pos = skipSpace(text, pos);
      if (peek() == ',') {
        pos++;
      } else if (peek() != '}') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private ArrayNode array() {
    ArrayNode a = NODES.arrayNode();
    pos++; // [
    while (true) {
      pos = skipSpace(text, pos);
      if (peek() == ']') {
        pos++;
        return a;
      }
      a.add(value());
      pos = skipSpace(text, pos);
      if (peek() == ',') {
        pos++;
      } else if (peek() != ']') {
        throw error("expected ',' or ']'");
      }
    }
  }

  private String string() {
    char quote = text.charAt(pos++);
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == quote) {
        return sb.toString();
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'r' -> sb.append('\r');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'v' -> sb.append('\u000b');
        case '0' -> sb.append('\0');
        case 'x' -> sb.append((char) hex(2));
        case 'u' -> sb.append((char) hex(4));
        case '\n' -> {} // line continuation
        default -> sb.append(e);
      }
    }
  }

  private int hex(int digits) {
    if (pos + digits > text.length()) {
      throw error("truncated escape");
    }
    try {
      int v = Integer.parseInt(text.substring(pos, pos + digits), 16);
      pos += digits;
      return v;
    } catch (NumberFormatException ex) {
      throw error("bad escape");
    }
  }

  private JsonNode number() {
    int start = pos;
    if (peek() == '-' || peek() == '+') {
      pos++;
    }
    if (text.startsWith("Infinity", pos)) {
      pos += "Infinity".length();
      return NODES.numberNode(
          text.charAt(start) == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
    }
    boolean integral = true;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isDigit(c)) {
        pos++;
      } else if (c == '.' || c == 'e' || c == 'E') {
        integral = false;
        pos++;
        if ((c == 'e' || c == 'E') && pos < text.length() && "+-".indexOf(text.charAt(pos)) >= 0) {
          pos++;
        }
      } else {
        break;
      }
    }
    String s = text.substring(start, pos);
    try {
      if (integral) {
        long v = Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
        return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
      }
      return NODES.numberNode(Double.parseDouble(s));
    } catch (NumberFormatException ex) {
      pos = start;
      throw error("bad number '" + s + "'");
    }
  }

  private String identifier() {
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '$')) {
        break;
      }
      pos++;
    }
    if (pos == start) {
      throw error("unexpected character '" + text.charAt(pos) + "'");
    }
    return text.substring(start, pos);
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("unexpected end of text");
    }
    return text.charAt(pos);
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private static int skipSpace(String s, int p) {
    while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
      p++;
    }
    return p;
  }

  private InvalidModelException error(String what) {
    int from = Math.max(0, pos - 20);
    int to = Math.min(text.length(), pos + 20);
    return new InvalidModelException(
        source
            + ": "
            + what
            + " at character "
            + pos
            + " (near '"
            + text.substring(from, to).replaceAll("\\s+", " ")
            + "')");
  }
}
