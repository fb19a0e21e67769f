package dev.airlock.verify.notation;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * An X.509 distinguished name as attribute type to value ({@code C=US, ST=WA, O=acme}), the form Notation's
 * {@code x509.subject:} trusted identities use. Identity matching is a subset test: every attribute of the
 * identity must occur in the certificate's subject with the same value.
 */
public final class DistinguishedName {
  private final Map<String, String> attributes;

  private DistinguishedName(Map<String, String> attributes) {
    this.attributes = attributes;
  }

  public Map<String, String> attributes() {
    return attributes;
  }

  /**
   * Parses {@code C=US, ST=WA, O=acme\, inc}: RDNs separated by unescaped commas, {@code \} escaping
   * {@code , ; \} and leading or trailing spaces.
   *
   * @throws IllegalArgumentException with a short reason when it is not a DN or repeats an attribute
   */
  public static DistinguishedName parse(String dn) {
    Map<String, String> out = new LinkedHashMap<>();
    StringBuilder cur = new StringBuilder();
    boolean escaped = false;
    java.util.List<String> parts = new java.util.ArrayList<>();
    for (int i = 0; i < dn.length(); i++) {
      char c = dn.charAt(i);
      if (escaped) {
        cur.append('\\').append(c);
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == ',' || c == ';') {
        parts.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (escaped) {
      throw new IllegalArgumentException("ends with a lone backslash");
    }
    parts.add(cur.toString());
    for (String p : parts) {
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("'" + p.trim() + "' is not an attribute=value pair");
      }
      String type = p.substring(0, eq).trim().toUpperCase(Locale.ROOT);
      String value = unescape(p.substring(eq + 1));
      if (type.isEmpty() || !type.matches("[A-Z][A-Z0-9.-]*") || value.isEmpty()) {
        throw new IllegalArgumentException("'" + p.trim() + "' is not an attribute=value pair");
      }
      if (out.put(type, value) != null) {
        throw new IllegalArgumentException("attribute " + type + " appears twice");
      }
    }
    return new DistinguishedName(out);
  }

  private static String unescape(String raw) {
    String s = raw;
    int start = 0;
    while (start < s.length() && s.charAt(start) == ' ') {
      start++;
    }
    int end = s.length();
    while (end > start && s.charAt(end - 1) == ' ' && !(end - 2 >= start && s.charAt(end - 2) == '\\')) {
      end--;
    }
    s = s.substring(start, end);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        b.append(s.charAt(++i));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** The subject of a certificate, attribute types by their short names (C, ST, L, O, OU, CN, E...). */
  public static DistinguishedName of(X500Principal principal) {
    X500Name name = X500Name.getInstance(principal.getEncoded());
    Map<String, String> out = new LinkedHashMap<>();
    for (RDN rdn : name.getRDNs()) {
      for (AttributeTypeAndValue tv : rdn.getTypesAndValues()) {
        String type = BCStyle.INSTANCE.oidToDisplayName(tv.getType());
        type = type == null ? tv.getType().getId() : type.toUpperCase(Locale.ROOT);
        if (type.equals("EMAILADDRESS")) {
          type = "E";
        }
        ASN1Encodable v = tv.getValue();
        String value = v instanceof ASN1String s ? s.getString() : v.toString();
        out.merge(type, value, (a, b) -> a + "+" + b);
      }
    }
    return new DistinguishedName(out);
  }

  /** True when every attribute of this (an identity) occurs with the same value in {@code subject}. */
  public boolean isSubsetOf(DistinguishedName subject) {
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      if (!e.getValue().equals(subject.attributes.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(e.getKey()).append('=').append(e.getValue().replace("\\", "\\\\").replace(",", "\\,"));
    }
    return b.toString();
  }
}
