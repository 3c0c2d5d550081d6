namespace KForensics.Core.Filtering;

/// <summary>
/// Shell-style wildcard match over the whole value, as the filter's <c>glob</c> operator does
/// (fnmatch without FNM_PATHNAME: <c>*</c> also crosses '/'): <c>*</c>, <c>?</c>, <c>[abc]</c>,
/// <c>[a-z]</c>, <c>[!x]</c> / <c>[^x]</c>, and <c>\</c> to escape.
/// </summary>
public sealed class GlobPattern
{
    private readonly string _pattern;
    private readonly bool _ignoreCase;

    public GlobPattern(string pattern, bool ignoreCase)
    {
        _pattern = pattern;
        _ignoreCase = ignoreCase;
    }

    public bool IsMatch(string value)
    {
        int p = 0, v = 0, starP = -1, starV = 0;
        while (v < value.Length)
        {
            if (p < _pattern.Length && _pattern[p] == '*')
            {
                starP = ++p;
                starV = v;
                continue;
            }

            if (p < _pattern.Length && MatchOne(ref p, value[v]))
            {
                v++;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            // Let the last '*' swallow one more character and retry from there.
            p = starP;
            v = ++starV;
        }

        while (p < _pattern.Length && _pattern[p] == '*')
        {
            p++;
        }

        return p == _pattern.Length;
    }

    // Matches one pattern element at p against c; advances p past the element on success.
    private bool MatchOne(ref int p, char c)
    {
        char pc = _pattern[p];
        if (pc == '?')
        {
            p++;
            return true;
        }

        if (pc == '\\' && p + 1 < _pattern.Length)
        {
            if (Same(_pattern[p + 1], c))
            {
                p += 2;
                return true;
            }

            return false;
        }

        if (pc == '[')
        {
            int end = ClassEnd(p);
            if (end > 0)
            {
                if (InClass(p + 1, end, c))
                {
                    p = end + 1;
                    return true;
                }

                return false;
            }
        }

        if (Same(pc, c))
        {
            p++;
            return true;
        }

        return false;
    }

    private int ClassEnd(int open)
    {
        int i = open + 1;
        if (i < _pattern.Length && _pattern[i] is '!' or '^')
        {
            i++;
        }

        if (i < _pattern.Length && _pattern[i] == ']')
        {
            i++;
        }

        int close = _pattern.IndexOf(']', i);
        return close;
    }

    private bool InClass(int start, int end, char c)
    {
        bool negate = _pattern[start] is '!' or '^';
        int i = negate ? start + 1 : start;
        bool found = false;
        while (i < end)
        {
            char lo = _pattern[i];
            if (i + 2 < end && _pattern[i + 1] == '-')
            {
                char hi = _pattern[i + 2];
                if ((c >= lo && c <= hi) || (_ignoreCase && char.ToLowerInvariant(c) >= char.ToLowerInvariant(lo) && char.ToLowerInvariant(c) <= char.ToLowerInvariant(hi)))
                {
                    found = true;
                }

                i += 3;
                continue;
            }

            if (Same(lo, c))
            {
                found = true;
            }

            i++;
        }

        return found != negate;
    }

    private bool Same(char a, char b) => a == b || (_ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
