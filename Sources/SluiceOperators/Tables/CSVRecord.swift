/// Splits one line of CSV (RFC 4180: comma-separated, fields optionally in double quotes with `""` for a
/// quote) into its fields. Quoted fields may not span lines.
enum CSVRecord {
    /// The fields of `line`, or a message saying what is wrong with it.
    static func fields(_ line: UnsafeRawBufferPointer) -> Result<[[UInt8]], TableError> {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var index = 0
        let count = line.count
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        while true {
            field.removeAll(keepingCapacity: true)
            if index < count, line[index] == quote {
                index += 1
                var closed = false
                while index < count {
                    if line[index] == quote {
                        if index + 1 < count, line[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    field.append(line[index])
                    index += 1
                }
                guard closed else { return .failure(TableError("a quoted field is not closed on its line")) }
                guard index == count || line[index] == comma else {
                    return .failure(TableError("a quoted field is followed by text before the next comma"))
                }
            } else {
                while index < count, line[index] != comma {
                    field.append(line[index])
                    index += 1
                }
            }
            fields.append(field)
            if index >= count { break }
            index += 1  // the comma
        }
        return .success(fields)
    }
}
