using KForensics.Generator;

// Usage: KForensics.Generator [--root DIR] [--output DIR] [--sysdig PATH]
// Writes the generated tables of the repository at --root (default: the current directory) into --output
// (default: the root itself) from the data files in src/Generator/Data and sysdig's -L and -lv lists.
string root = ".", sysdig = "sysdig";
string? output = null;
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--root": root = value; break;
        case "--output": output = value; break;
        case "--sysdig": sysdig = value; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
    }

    i++;
}

foreach (string path in Generation.Run(root, output ?? root, sysdig))
{
    Console.WriteLine($"Generated {path}");
}
