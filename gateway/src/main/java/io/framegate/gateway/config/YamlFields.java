package io.framegate.gateway.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed reads of one YAML mapping, each failure a {@link ConfigException} naming the file and the
 * field's path. Unknown fields are errors too: a misspelt setting should not silently fall back to
 * its default.
 */
public final class YamlFields {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final String file;
  private final String path;
  private final JsonNode node;

  private YamlFields(String file, String path, JsonNode node) {
    this.file = file;
    this.path = path;
    this.node = node;
  }

  /** Reads a YAML file whose top level is a mapping; an empty file is an empty mapping. */
  public static YamlFields read(Path file) {
    String name = file.toString();
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name + ": no such file");
    }
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (JacksonException e) {
      throw new ConfigException(name + ": not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException(name + ": cannot be read: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = YAML.createObjectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException(name + ": the top level must be a mapping of settings");
    }
    return new YamlFields(name, "", root);
  }

  public String file() {
    return file;
  }

  /** Fails on any field outside {@code known}. */
  public YamlFields allowOnly(Set<String> known) {
    Iterator<String> it = node.fieldNames();
    while (it.hasNext()) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new ConfigException(
            file + ": unknown field '" + where(f) + "' (known: " + String.join(", ", known) + ")");
      }
    }
    return this;
  }

  public boolean has(String field) {
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  public String string(String field, String fallback) {
    JsonNode v = value(field);
    if (v.isMissingNode()) {
      return fallback;
    }
    if (!v.isValueNode() || v.asText().isBlank()) {
      throw error(field, "must be a non-empty string");
    }
    return v.asText().strip();
  }

  public long integer(String field, long fallback, long min, long max) {
    JsonNode v = value(field);
    if (v.isMissingNode()) {
      return fallback;
    }
    long n;
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      n = v.asLong();
    } else if (v.isTextual() && v.asText().strip().matches("-?\\d{1,18}")) {
      n = Long.parseLong(v.asText().strip());
    } else {
      throw error(field, "must be a whole number, is '" + v.asText() + "'");
    }
    if (n < min || n > max) {
      throw error(field, "must be between " + min + " and " + max + ", is " + n);
    }
    return n;
  }

  /** A list of finite numbers, or null when absent. */
  public float[] floats(String field) {
    JsonNode v = value(field);
    if (v.isMissingNode()) {
      return null;
    }
    if (!v.isArray() || v.isEmpty()) {
      throw error(field, "must be a list of numbers, like [0.5, 0.5, 0.5]");
    }
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode e = v.get(i);
      if (!e.isNumber() || !Float.isFinite((float) e.asDouble())) {
        throw error(field, "entry " + i + " must be a finite number, is '" + e.asText() + "'");
      }
      out[i] = (float) e.asDouble();
    }
    return out;
  }

  /** The nested mappings under {@code field}, by key, in file order; empty when absent. */
  public Map<String, YamlFields> mappings(String field) {
    JsonNode v = value(field);
    Map<String, YamlFields> out = new LinkedHashMap<>();
    if (v.isMissingNode()) {
      return out;
    }
    if (!v.isObject()) {
      throw error(field, "must be a mapping of names to settings");
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      JsonNode child =
          e.getValue() == null || e.getValue().isNull() ? YAML.createObjectNode() : e.getValue();
      String childPath = where(field) + "." + e.getKey();
      if (!(child instanceof ObjectNode)) {
        throw new ConfigException(file + ": field '" + childPath + "' must be a mapping");
      }
      out.put(e.getKey(), new YamlFields(file, childPath, child));
    }
    return out;
  }

  /** Field names present, for messages. */
  public List<String> fields() {
    List<String> out = new ArrayList<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** An error about {@code field} that only the caller can judge (a value out of context). */
  public ConfigException error(String field, String problem) {
    return new ConfigException(file + ": field '" + where(field) + "' " + problem);
  }

  private JsonNode value(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? MissingNode.getInstance() : v;
  }

  private String where(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
