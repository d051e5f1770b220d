/* TEST FIXTURE: an in-process stand-in for a Celestia node's blob JSON-RPC (see the .c). */
#ifndef VIA_TEST_CELESTIA_STANDIN_H
#define VIA_TEST_CELESTIA_STANDIN_H
typedef struct celestia_standin celestia_standin;
/* Listens on 127.0.0.1 on a free port (written to *port); token "" accepts any caller. */
celestia_standin *celestia_standin_start(const char *token, unsigned *port);
void celestia_standin_fail_next(celestia_standin *s, int n); /* next n requests: HTTP 503 */
void celestia_standin_corrupt(celestia_standin *s, int on);  /* returned data altered */
unsigned celestia_standin_requests(celestia_standin *s);
void celestia_standin_stop(celestia_standin *s);
#endif
