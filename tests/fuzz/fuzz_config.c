/*
 * fuzz_config.c - libFuzzer target for the configuration loader: any input
 * must load or fail with diagnostics, never crash or leak; a loaded
 * configuration must dump to YAML that parses again.
 */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = {0};
	struct config *c;

	d.limit = 1000;
	c = config_load_buf("fuzz.yml", "/nonexistent/dir", (const char *)data,
			    size, &d);
	if (c) {
		struct buf out = {0};
		struct diags d2 = {0};
		struct ydoc *doc;

		config_dump(c, &out, 1);
		doc = ydoc_load_buf("dump.yml", buf_str(&out), out.len, &d2);
		if (!doc || d2.nerrors)
			abort();	/* the dump must be valid YAML */
		ydoc_free(doc);
		diags_free(&d2);
		buf_free(&out);
	}
	config_free(c);
	diags_free(&d);
	return 0;
}
