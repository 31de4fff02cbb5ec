/* libFuzzer harness for bracketed choices ("always [madvise] never": THP,
 * mTHP sizes, cpufreq's lists are plain words) and the captured-tree write
 * emulation in common/sysroot.c, through the sysroot API on a private tree:
 * the input is sys/kernel/mm/transparent_hugepage/enabled; it is read as a
 * choice, then each offered word is written with sr_write_string, which on
 * a captured tree moves the brackets and reads the value back. */
#include "tests/fuzz/fuzz-tree.h"
#include "common/util.h"

#define THP "sys/kernel/mm/transparent_hugepage/enabled"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tree_init("choice");
	return 0;
}

/* One line of printable words, none with brackets of its own, every word
 * distinct: the shape every kernel choice file has. Only there must a
 * write of an offered word read back as selected. Elsewhere the reader
 * (which strips every isspace() character) and the captured-tree write
 * emulation (which splits words at blanks and newlines only) may disagree
 * on a word such as "\v+", and a word such as "[[x]]" leaves two
 * bracketed words after a write: the write is then refused or the file
 * no longer reads as a choice, on a hand-made tree only. */
static bool kernel_shaped(const uint8_t *data, size_t size, char **opts)
{
	for (size_t i = 0; i < size; i++)
		if ((data[i] == '\n' && i + 1 != size) || (data[i] != '\n' && (data[i] < 0x20 || data[i] > 0x7e)))
			return false;
	for (size_t i = 0; opts[i]; i++) {
		if (strpbrk(opts[i], "[]"))
			return false;   /* "[[x]]": brackets inside a word */
		for (size_t k = i + 1; opts[k]; k++)
			if (!strcmp(opts[i], opts[k]))
				return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sel = NULL, **opts = NULL, *readback = NULL;
	int r;

	fuzz_put(THP, data, size);
	r = sr_read_choice(fuzz_sr, &sel, &opts, THP);
	if (r == 0) {
		bool strict = kernel_shaped(data, size, opts);

		if (!strv_contains(opts, sel))
			abort();
		for (size_t i = 0; opts[i] && i < 8; i++) {
			char *now = NULL;

			r = sr_write_string(fuzz_sr, opts[i], &readback, THP);
			free(readback);
			readback = NULL;
			if (strict && r != 0)
				abort();
			if (strict && (sr_read_choice(fuzz_sr, &now, NULL, THP) != 0 || strcmp(now, opts[i])))
				abort();
			free(now);
		}
	} else {
		/* Not a choice: the file is written as a plain value. */
		r = sr_write_string(fuzz_sr, "never", &readback, THP);
		if (r != 0 && r != -EINVAL && r != -EIO)
			abort();
		free(readback);
	}
	free(sel);
	strv_free(opts);
	return 0;
}
