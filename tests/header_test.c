/* Each public header compiles on its own (the includer is generated per header). */
#include HEADER
int main(void);
int
main(void)
{
    return 0;
}
