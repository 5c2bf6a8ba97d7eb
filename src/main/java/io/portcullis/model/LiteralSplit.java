package io.portcullis.model;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * {@code String.split} on one literal character, with its quiet rule said out loud: trailing empty
 * parts are dropped ({@code "a.b."} gives {@code [a, b]}, {@code "."} gives none), while a string
 * without the separator, even an empty one, comes back as its only part. Callers keep the results
 * they always had; the name tells the reader about the dropped tail.
 */
public final class LiteralSplit {
    private LiteralSplit() {
    }

    /** The parts of {@code text} between {@code separator}s, without the trailing empty ones. */
    public static String[] droppingTrailingEmpty(String text, char separator) {
        String[] parts = text.split(Pattern.quote(String.valueOf(separator)), -1);
        if (parts.length == 1) {
            return parts;
        }
        int n = parts.length;
        while (n > 0 && parts[n - 1].isEmpty()) {
            n--;
        }
        return Arrays.copyOf(parts, n);
    }
}
