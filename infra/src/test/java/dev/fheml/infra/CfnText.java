package dev.fheml.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders CloudFormation values as readable text for assertions: {@code Fn::Join} is joined, a
 * reference becomes {@code <LogicalId>}, {@code <LogicalId.Attr>} or {@code <import:Name>}.
 */
final class CfnText {
  private CfnText() {}

  @SuppressWarnings("unchecked")
  static String text(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    if (value instanceof Map<?, ?> map && map.size() == 1) {
      Map.Entry<String, Object> e = ((Map<String, Object>) map).entrySet().iterator().next();
      switch (e.getKey()) {
        case "Fn::Join": {
          List<Object> args = (List<Object>) e.getValue();
          String sep = (String) args.get(0);
          List<String> parts = new ArrayList<>();
          for (Object part : (List<Object>) args.get(1)) {
            parts.add(text(part));
          }
          return String.join(sep, parts);
        }
        case "Ref":
          return "<" + e.getValue() + ">";
        case "Fn::GetAtt":
          return "<" + String.join(".", (List<String>) e.getValue()) + ">";
        case "Fn::ImportValue":
          return "<import:" + e.getValue() + ">";
        default:
          return "<" + e.getKey() + ">";
      }
    }
    throw new IllegalArgumentException("not a CloudFormation string value: " + value);
  }

  /** A single value or a list of them, as texts. */
  @SuppressWarnings("unchecked")
  static List<String> texts(Object value) {
    if (value instanceof List<?> list) {
      return ((List<Object>) list).stream().map(CfnText::text).toList();
    }
    return List.of(text(value));
  }
}
