package io.portcullis.model;

/**
 * Envoy's syntax for configured header values: literal text, {@code %%} for a percent sign, and
 * {@code %VARIABLE%} or {@code %VARIABLE(args)%} expressions, where args are either free text up to
 * {@code )} or a JSON array of strings. Istio refuses a value Envoy could not parse; so does this.
 */
final class HeaderValueSyntax {
    private enum State { LITERAL, NAME, ARGS_START, STRING_START, STRING, DELIMITER_OR_END, ARGS_END, VARIABLE_END }

    private HeaderValueSyntax() {
    }

    /** Why {@code value} is not a valid header value, or null when it is one. */
    static String problem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return "a header value cannot contain control characters";
            }
        }
        State state = State.LITERAL;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean more = i + 1 < value.length();
            switch (state) {
                case LITERAL -> {
                    if (c == '%') {
                        if (!more) {
                            return "\"" + value + "\" ends with an unescaped % (write %% for a literal %)";
                        }
                        if (value.charAt(i + 1) == '%') {
                            i++;
                        } else {
                            state = State.NAME;
                        }
                    }
                }
                case NAME -> {
                    if (c == '%') {
                        state = State.LITERAL;
                    } else if (c == '(') {
                        state = State.ARGS_START;
                    }
                }
                case ARGS_START -> {
                    if (c == '[') {
                        state = State.STRING_START;
                    } else if (c != ' ') {
                        state = State.STRING;
                    }
                }
                case STRING_START -> {
                    if (c == '"') {
                        state = State.STRING;
                    } else if (c != ' ') {
                        return "\"" + value + "\": expected '\"' to start an argument";
                    }
                }
                case STRING -> {
                    if (c == '\\') {
                        if (!more) {
                            return "\"" + value + "\" ends inside an escape";
                        }
                        i++;
                    } else if (c == ')') {
                        state = State.VARIABLE_END;
                    } else if (c == '"') {
                        state = State.DELIMITER_OR_END;
                    }
                }
                case DELIMITER_OR_END -> {
                    if (c == ',') {
                        state = State.STRING_START;
                    } else if (c == ']') {
                        state = State.ARGS_END;
                    } else if (c != ' ') {
                        return "\"" + value + "\": expected ',' or ']' between arguments";
                    }
                }
                case ARGS_END -> {
                    if (c == ')') {
                        state = State.VARIABLE_END;
                    } else if (c != ' ') {
                        return "\"" + value + "\": expected ')' after the arguments";
                    }
                }
                case VARIABLE_END -> {
                    if (c == '%') {
                        state = State.LITERAL;
                    } else if (c != ' ') {
                        return "\"" + value + "\": expected '%' to close the variable";
                    }
                }
                default -> throw new IllegalStateException("unhandled state " + state);
            }
        }
        return state == State.LITERAL ? null
                : "\"" + value + "\" has an unescaped % or an unfinished %VARIABLE% (write %% for a literal %)";
    }
}
